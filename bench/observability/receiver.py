#!/usr/bin/env python3
"""The bench's OTLP/HTTP trace receiver: cheap, so that the load generator's side of the
machine is not busy with spans while the gateways are measured (the tests' receiver,
waygate/tests/otel/receiver.py, decodes every span with the official protobuf code and
writes it out as JSON; here that competed with the load generator for CPU).

  receiver.py COUNT_FILE     prints {"http": port} when ready

Serves POST /v1/traces (application/x-protobuf, gzip or not) on 127.0.0.1 over keep-alive
HTTP/1.1 and keeps each export's body as it came: a collector on another machine would
take the rest of the work off this one. Counting a full batch's 512 spans here (gunzip,
then a walk in Python) took up to ~1 ms of the load generator's core per export, a stall
of wrk and the backend that showed in `on`'s p99 (1.96-2.08 ms against 1.51-1.56 ms with
bodies kept; `off` 1.27-1.50 ms). GET /count counts the spans kept so far without decoding
them (the length-delimited fields only: ExportTraceServiceRequest.resource_spans = 1,
ResourceSpans.scope_spans = 2, ScopeSpans.spans = 2), writes the total to COUNT_FILE and
answers it: run.sh asks once the harness is done.
"""

import json
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = sys.argv[1]
BODIES = []
LOCK = threading.Lock()


def varint(b, i):
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if c < 0x80:
            return v, i
        shift += 7


def fields(b, want):
    """The payloads of the length-delimited fields numbered `want` of message `b`."""
    i, n = 0, len(b)
    while i < n:
        key, i = varint(b, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(b, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            size, i = varint(b, i)
            if key >> 3 == want:
                yield b[i:i + size]
            i += size
        else:
            raise ValueError("unsupported wire type %d" % wire)


def count_spans(body):
    body = memoryview(body)
    return sum(
        1
        for rs in fields(body, 1)
        for ss in fields(rs, 2)
        for _ in fields(ss, 2))


class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces":
            self.answer(404)
            return
        with LOCK:
            BODIES.append((self.headers.get("Content-Encoding") == "gzip", body))
        self.answer(200)

    def do_GET(self):
        if self.path != "/count":
            self.answer(404)
            return
        with LOCK:
            total = sum(
                count_spans(zlib.decompress(b, 16 + zlib.MAX_WBITS) if gz else b)
                for gz, b in BODIES)
        with open(OUT, "w") as f:
            f.write("%d\n" % total)
        self.answer(200, b"%d\n" % total)

    def answer(self, code, body=b""):
        # An empty ExportTraceServiceResponse is zero bytes.
        self.send_response(code)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    with open(OUT, "w") as f:
        f.write("0\n")
    http = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    print(json.dumps({"http": http.server_address[1]}), flush=True)
    http.serve_forever()


if __name__ == "__main__":
    main()
