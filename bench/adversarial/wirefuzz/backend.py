#!/usr/bin/env python3
# Malicious backend: the response variant is chosen by the request's path (/.../<seed>).
import asyncio, random, re, sys
from mut import mutate
BODY=b"x"*37
def templates(r):
    big = b"y"*r.choice([0,1,100,5000,70000])
    return [
      b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
      b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
      b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
      b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
      b"HTTP/1.0 200 OK\r\n\r\n" + big,
      b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(big) + big,
      b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
      b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
      b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi",
      b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
      b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
      b"HTTP/1.1 200 OK\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
      b"HTTP/1.1 " + bytes(str(r.randint(0,999)),"ascii") + b" X\r\nContent-Length: 0\r\n\r\n",
      b"",
    ]
async def handle(reader, writer):
    try:
        while True:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            if b" /alive " in head:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); await writer.drain(); continue
            m = re.search(rb"/(\d+)[ ?]", head)
            seed = int(m.group(1)) if m else 0
            r = random.Random(seed)
            t = r.choice(templates(r))
            if r.random() < 0.6: t = mutate(r, t)
            mode = r.random()
            if mode < 0.2:
                for i in range(0, len(t), 7):
                    writer.write(t[i:i+7]); await writer.drain()
            else:
                writer.write(t); await writer.drain()
            # A request body is not read: the connection ends with the answer, so what is
            # left of the body is never taken for the next request (and answered unasked).
            if r.random() < 0.3 or re.search(rb"(?i)\r\n(content-length|transfer-encoding):", head):
                writer.close(); return
    except Exception:
        try: writer.close()
        except Exception: pass
async def main():
    s = await asyncio.start_server(handle, "127.0.0.1", 18188, limit=1<<20)
    async with s: await s.serve_forever()
asyncio.run(main())
