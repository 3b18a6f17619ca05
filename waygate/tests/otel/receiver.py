#!/usr/bin/env python3
"""A real OTLP trace receiver for the tests, built on the official protobuf definitions
(PyPI `opentelemetry-proto`) and `grpcio`: serves OTLP/gRPC (TraceService/Export,
MetricsService/Export) and OTLP/HTTP (POST /v1/traces and /v1/metrics,
application/x-protobuf) on 127.0.0.1, prints
`{"grpc": port, "http": port}` on stdout when ready, and appends every received span to
the file given as argv[1] as one JSON line (hex ids, attributes flattened to values,
the resource's attributes, the transport and the request headers it came with), and every
metric data point to `metrics.jsonl` beside it.

With --tls CERT KEY, both endpoints serve TLS (gRPC over TLS with ALPN h2, HTTPS).
"""

import gzip
import json
import os
import ssl
import sys
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

OUT = sys.argv[1]
METRICS_OUT = os.path.join(os.path.dirname(OUT), "metrics.jsonl")
TLS = sys.argv[sys.argv.index("--tls") + 1:][:2] if "--tls" in sys.argv else None
LOCK = threading.Lock()


def any_value(v):
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if kind is None:
        return None
    return getattr(v, kind)


def attrs(kvs):
    return {kv.key: any_value(kv.value) for kv in kvs}


def record(request, transport, headers):
    lines = []
    for rs in request.resource_spans:
        resource = attrs(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                lines.append(json.dumps({
                    "transport": transport,
                    "headers": headers,
                    "resource": resource,
                    "scope": ss.scope.name,
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": s.parent_span_id.hex(),
                    "trace_state": s.trace_state,
                    "flags": s.flags,
                    "name": s.name,
                    "kind": s.kind,
                    "start": s.start_time_unix_nano,
                    "end": s.end_time_unix_nano,
                    "attributes": attrs(s.attributes),
                    "status": s.status.code,
                }))
    with LOCK, open(OUT, "a") as f:
        for line in lines:
            f.write(line + "\n")


def record_metrics(request, transport):
    lines = []
    for rm in request.resource_metrics:
        resource = attrs(rm.resource.attributes)
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                data = getattr(m, kind)
                for p in data.data_points:
                    point = {
                        "transport": transport,
                        "resource": resource,
                        "scope": sm.scope.name,
                        "name": m.name,
                        "unit": m.unit,
                        "kind": kind,
                        "attributes": attrs(p.attributes),
                        "start": p.start_time_unix_nano,
                        "time": p.time_unix_nano,
                    }
                    if kind == "histogram":
                        point.update(count=p.count, sum=p.sum, bounds=list(p.explicit_bounds),
                                     bucket_counts=list(p.bucket_counts),
                                     temporality=data.aggregation_temporality)
                    else:
                        point["value"] = p.as_double if p.WhichOneof("value") == "as_double" else p.as_int
                    if kind == "sum":
                        point.update(monotonic=data.is_monotonic, temporality=data.aggregation_temporality)
                    lines.append(json.dumps(point))
    with LOCK, open(METRICS_OUT, "a") as f:
        for line in lines:
            f.write(line + "\n")


class MetricsService(metrics_service_pb2_grpc.MetricsServiceServicer):
    def Export(self, request, context):
        record_metrics(request, "grpcs" if TLS else "grpc")
        return metrics_service_pb2.ExportMetricsServiceResponse()


class TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request, context):
        headers = {k: v for k, v in context.invocation_metadata()}
        record(request, "grpcs" if TLS else "grpc", headers)
        return trace_service_pb2.ExportTraceServiceResponse()


class Http(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path == "/v1/metrics" and self.headers.get("Content-Type") == "application/x-protobuf":
            request = metrics_service_pb2.ExportMetricsServiceRequest()
            request.ParseFromString(body)
            record_metrics(request, "https" if TLS else "http")
            answer = metrics_service_pb2.ExportMetricsServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(body)
        transport = "https" if TLS else "http"
        record(request, transport, {k.lower(): v for k, v in self.headers.items()})
        answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    open(OUT, "a").close()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(TraceService(), server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(MetricsService(), server)
    http = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    if TLS:
        cert, key = (open(f, "rb").read() for f in TLS)
        creds = grpc.ssl_server_credentials([(key, cert)])
        grpc_port = server.add_secure_port("127.0.0.1:0", creds)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(TLS[0], TLS[1])
        http.socket = ctx.wrap_socket(http.socket, server_side=True)
    else:
        grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    threading.Thread(target=http.serve_forever, daemon=True).start()
    print(json.dumps({"grpc": grpc_port, "http": http.server_address[1]}), flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
