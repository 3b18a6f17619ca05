"""Byte-level mutations of an HTTP message: flips, inserted tokens, deletions, repeats, cuts."""
import random
TOKENS=[b"\r\n",b"\n",b"\r",b":",b" ",b"\t",b"\x00",b"\xff",b"chunked",b"Transfer-Encoding: chunked\r\n",b"Content-Length: 5\r\n",b"Content-Length: -1\r\n",b"Host: a\r\n",b"Connection: close\r\n",b"Connection: upgrade\r\nUpgrade: websocket\r\n",b"0\r\n\r\n",b"ffffffff",b"%",b"%00",b"/../",b"?",b"#",b"Expect: 100-continue\r\n",b"HTTP/1.0",b"HTTP/2.0",b"TE: trailers\r\n",b";",b",",b"=",b"9"*25]
def mutate(r, b):
    b = bytearray(b)
    for _ in range(r.randint(1, 6)):
        op = r.random()
        p = r.randint(0, len(b)) if b else 0
        if op < 0.25 and b: b[min(p, len(b)-1)] = r.randint(0, 255)
        elif op < 0.45: b[p:p] = r.choice(TOKENS)
        elif op < 0.6 and b: del b[p:p+r.randint(1, 8)]
        elif op < 0.75 and b:
            q = r.randint(0, len(b)); s = b[min(p,q):max(p,q)][:200]; b[p:p] = s * r.randint(1, 3)
        elif op < 0.85: b[p:p] = bytes(r.randint(0,255) for _ in range(r.randint(1,16)))
        else: b = b[:p]
    return bytes(b)
