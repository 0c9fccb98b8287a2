"""A health probe for containers without an orchestrator's own (docker compose healthchecks).

`python -m infra.probe http URL`: 0 when URL answers 200 (the gateway's /readyz or /livez).
`python -m infra.probe grpc HOST:PORT [NAME]`: 0 when gRPC health says SERVING for NAME (""
is readiness: NOT_SERVING while PostgreSQL or NATS is unreachable; "liveness" is the process
answering). Anything else: exit 1 with the reason on stderr.
"""

from __future__ import annotations

import sys
import urllib.request

USAGE = "usage: python -m infra.probe http URL | grpc HOST:PORT [NAME]"


def http(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return None if answer.status == 200 else f"{url} answered {answer.status}"
    except OSError as exc:
        return f"{url}: {exc}"


def grpc_health(target: str, name: str = "") -> str | None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=name), timeout=2)
        except grpc.RpcError as exc:
            return f"{target}: {exc.code().name}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return None if status == "SERVING" else f"{target} {name or '(readiness)'}: {status}"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "http":
        problem = http(argv[1])
    elif len(argv) in (2, 3) and argv[0] == "grpc":
        problem = grpc_health(*argv[1:])
    else:
        print(USAGE, file=sys.stderr)
        return 2
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
