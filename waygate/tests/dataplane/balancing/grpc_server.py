"""A real grpcio server for the gateway's tests: the standard health service plus
test.Echo/Who (unary: answers the server's name) and test.Echo/Count (server streaming: three
messages, then a trailer). Prints its port; each stdin line sets the overall health status
(SERVING, NOT_SERVING); exits when stdin closes. With CERT and KEY files after the name it
serves TLS (ALPN h2) instead of h2c."""

import sys
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

name = sys.argv[1]
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
status = health.HealthServicer()
health_pb2_grpc.add_HealthServicer_to_server(status, server)


def who(request, context):
    context.set_trailing_metadata((("x-served-by", name),))
    return name.encode() + b":" + request


def count(request, context):
    for i in range(3):
        yield f"{name}-{i}".encode()
    context.set_trailing_metadata((("x-served-by", name),))


def fail(request, context):
    context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied by " + name)


server.add_generic_rpc_handlers(
    (
        grpc.method_handlers_generic_handler(
            "test.Echo",
            {
                "Who": grpc.unary_unary_rpc_method_handler(who),
                "Count": grpc.unary_stream_rpc_method_handler(count),
                "Fail": grpc.unary_unary_rpc_method_handler(fail),
            },
        ),
    )
)
if len(sys.argv) > 3:
    with open(sys.argv[2], "rb") as c, open(sys.argv[3], "rb") as k:
        creds = grpc.ssl_server_credentials(((k.read(), c.read()),))
    port = server.add_secure_port("127.0.0.1:0", creds)
else:
    port = server.add_insecure_port("127.0.0.1:0")
server.start()
status.set("", health_pb2.HealthCheckResponse.SERVING)
print(port, flush=True)
for line in sys.stdin:
    status.set("", getattr(health_pb2.HealthCheckResponse, line.strip()))
server.stop(0)
