"""A minimal keep-alive HTTP/1.1 backend: `200` with a fixed body to every request.

  backend.py PORT [BODY]     BODY defaults to "hello, world\n" (13 bytes, the
                             instruction-count gate's); bench/scale gives each backend its name

Its speed does not matter (only the gateway is counted)."""
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
    body = sys.argv[2].encode() if len(sys.argv) > 2 else b"hello, world\n"
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s" % (
        len(body), body)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(256)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, response), daemon=True).start()


main()
