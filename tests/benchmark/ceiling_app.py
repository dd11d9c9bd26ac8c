"""The ceiling of the benchmark: a bare ASGI app that answers fixed bytes.

No framework, no routing, no validation: a request with an `Authorization` header gets a fixed
200 JSON body (Lago's documented activity-log example, the size of a real reply), one without
gets Lago's fixed 401 body. It is served by uvicorn with the settings `mockserver serve` uses
(one process, uvicorn's default loop and HTTP parser, log level warning, no access log,
lifespan on), so the gap between it and the mock is the cost of the mock itself.

    python ceiling_app.py --port 8000 [--host 127.0.0.1] [--cpu-us 250]

`--cpu-us N` makes each request burn N microseconds of CPU first: the ceiling app with the
mock's cost per request. Its tail latency under wrk is what uvicorn and 50 connections give a
handler of that cost with no stall of its own, the control for the mock's p99.
"""

from __future__ import annotations

import argparse
import time

BODY_200 = (
    b'{"activity_log":{"activity_id":"1a901a90-1a90-1a90-1a90-1a901a901a90",'
    b'"user_email":"dinesh@piedpiper.test","activity_type":"billing_metric.created",'
    b'"activity_source":"api","activity_object":{"lago_id":"dad68bc7-c01a-4ad8-a87b-13e78693a5bc",'
    b'"plan_id":"b9155544-e261-4e92-b54e-f65d7609294c"},"activity_object_changes":{"plan_id":'
    b'[null,"b9155544-e261-4e92-b54e-f65d7609294c"]},"external_customer_id":'
    b'"5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba","external_subscription_id":"external_id",'
    b'"resource_id":"5eb02857-a71e-4ea2-bcf9-57d3a41bc6ba","resource_type":"BillableMetric",'
    b'"organization_id":"1a901a90-1a90-1a90-1a90-1a901a901a90","logged_at":"2025-03-31T12:31:44Z",'
    b'"created_at":"2022-04-29T08:59:51Z"}}'
)
BODY_401 = b'{"status":401,"error":"Unauthorized"}'
CPU_S = 0.0  # --cpu-us, in seconds


def _start(status: int, body: bytes) -> dict:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }


START_200, START_401 = _start(200, BODY_200), _start(401, BODY_401)
END_200 = {"type": "http.response.body", "body": BODY_200}
END_401 = {"type": "http.response.body", "body": BODY_401}


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if CPU_S:
        until = time.thread_time() + CPU_S
        while time.thread_time() < until:
            pass
    authorized = any(name == b"authorization" for name, _ in scope["headers"])
    await send(START_200 if authorized else START_401)
    await send(END_200 if authorized else END_401)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpu-us", type=float, default=0.0, help="CPU time each request burns first")
    args = parser.parse_args()
    global CPU_S
    CPU_S = args.cpu_us / 1e6

    import uvicorn

    # The same uvicorn settings as mockserver/launch/serve.py.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                            access_log=False, lifespan="on")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
