"""A keep-alive HTTP/1.1 backend for the scale bench: answers every request with its own
name (`argv[2]`), so the bench can tell which service a router sent a request to."""
import socket
import sys
import threading


def serve(conn, response):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        while b"\r\n\r\n" in buf:
            buf = buf[buf.find(b"\r\n\r\n") + 4:]
            conn.sendall(response)


def main():
    name = sys.argv[2].encode()
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s" % (
        len(name), name)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(256)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, response), daemon=True).start()


if __name__ == "__main__":
    main()
