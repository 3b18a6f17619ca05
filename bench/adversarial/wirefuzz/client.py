#!/usr/bin/env python3
# Mutated HTTP/1.1 requests and HTTP/2 frame sequences against the gateway; every batch
# checks the gateway still answers a plain request. usage: client.py SEED COUNT
import random, socket, struct, sys, time
from mut import mutate
PORT=18190
def h1_templates(r, seed):
    p = b"/%d" % seed
    mw = b"/mw" if r.random() < 0.3 else b""
    return [
      b"GET " + mw + p + b" HTTP/1.1\r\nHost: f.local\r\nAccept-Encoding: gzip\r\n\r\n",
      b"POST " + mw + p + b" HTTP/1.1\r\nHost: f.local\r\nContent-Length: 5\r\n\r\nhello",
      b"POST " + p + b" HTTP/1.1\r\nHost: f.local\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      b"GET " + p + b" HTTP/1.1\r\nHost: f.local\r\n\r\nGET " + p + b" HTTP/1.1\r\nHost: f.local\r\n\r\n",
      b"GET " + p + b" HTTP/1.1\r\nHost: f.local\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x82abcdxy",
      b"GET http://f.local" + p + b" HTTP/1.1\r\nHost: other\r\n\r\n",
      b"OPTIONS * HTTP/1.1\r\nHost: f.local\r\n\r\n",
      b"CONNECT f.local:80 HTTP/1.1\r\nHost: f.local:80\r\n\r\n",
      b"GET " + p + b" HTTP/1.0\r\n\r\n",
      b"POST " + p + b" HTTP/1.1\r\nHost: f.local\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
      b"HEAD " + p + b" HTTP/1.1\r\nHost: f.local\r\n\r\n",
      b"GET " + p + b"?a=%zz&b HTTP/1.1\r\nHost: f.local\r\nCookie: a=b\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
    ]
def frame(t, f, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([t, f]) + struct.pack(">I", sid & 0x7fffffff) + payload
def lit(n, v):
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v
def h2_case(r, seed):
    hdrs = lit(b":method", r.choice([b"GET", b"POST", b"CONNECT"])) + lit(b":scheme", b"http") + lit(b":path", b"/%d" % seed) + lit(b":authority", b"f.local")
    if r.random() < 0.3: hdrs += lit(b"te", b"trailers")
    if r.random() < 0.2: hdrs += lit(b"connection", b"close")
    if r.random() < 0.2: hdrs += lit(b"content-length", b"3")
    out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"")
    sid = 1
    for _ in range(r.randint(1, 6)):
        k = r.random()
        if k < 0.45:
            es = 1 if r.random() < 0.6 else 0
            out += frame(1, 4 | es, sid, hdrs)
            if not es: out += frame(0, 1, sid, b"abc")
            sid += 2
        elif k < 0.55: out += frame(3, 0, max(1, sid - 2), struct.pack(">I", r.randint(0, 13)))
        elif k < 0.65: out += frame(8, 0, r.choice([0, sid - 2]), struct.pack(">I", r.randint(0, 2**31 - 1)))
        elif k < 0.72: out += frame(4, 0, 0, struct.pack(">HI", r.randint(0, 9), r.randint(0, 2**32 - 1)))
        elif k < 0.8: out += frame(9, 4, max(1, sid - 2), lit(b"x-c", b"1"))
        elif k < 0.87: out += frame(6, 0, 0, b"12345678")
        elif k < 0.93: out += frame(7, 0, 0, struct.pack(">II", sid, 0))
        else: out += frame(r.randint(0, 12), r.randint(0, 255), r.randint(0, 9), bytes(r.randint(0, 255) for _ in range(r.randint(0, 40))))
    if r.random() < 0.7: out = out[:24] + mutate(r, out[24:])
    return out
def send(data, r):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    try:
        if r.random() < 0.2:
            for i in range(0, len(data), 5): s.sendall(data[i:i+5])
        else: s.sendall(data)
        if r.random() < 0.2: s.shutdown(socket.SHUT_WR)
        end = time.time() + 0.25
        while time.time() < end:
            s.settimeout(max(0.01, end - time.time()))
            if not s.recv(65536): break
    except (socket.timeout, ConnectionError, OSError): pass
    finally: s.close()
def alive():
    """The status line of a plain GET, retried (up to 5 s) until it is a 200: a backend that
    answers with more than it framed (a body after a 204, say) can have a pooled connection
    hold bytes nobody asked for, and the request that meets them gets a 502 (Go's
    transport, by its code, does the same). A gateway that is down or hung never answers 200."""
    last = None
    for _ in range(50):
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
            s.sendall(b"GET /alive HTTP/1.1\r\nHost: f.local\r\nConnection: close\r\n\r\n")
            d = b""
            while True:
                c = s.recv(65536)
                if not c: break
                d += c
            s.close()
            last = d[:12]
            if last.startswith(b"HTTP/1.1 200"):
                return last
        except OSError: pass
        time.sleep(0.1)
    return last
seed0, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    seed = seed0 + i
    r = random.Random(seed)
    if r.random() < 0.6:
        d = r.choice(h1_templates(r, seed))
        if r.random() < 0.7: d = mutate(r, d)
    else:
        d = h2_case(r, seed)
    send(d, r)
    if i % 100 == 99:
        a = alive()
        if not (a or b"").startswith(b"HTTP/1.1 200"):
            print("the gateway stopped answering after seed", seed, a); sys.exit(1)
a = alive()
print("done: seeds", seed0, "to", seed0 + count - 1, a)
sys.exit(0 if (a or b"").startswith(b"HTTP/1.1 200") else 1)
