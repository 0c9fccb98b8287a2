"""Locust: factory clients on gRPC, each following its assignments and reporting its work.

Locust runs on gevent, so grpc is switched to gevent (`grpc.experimental.gevent.init_gevent`)
and every user holds a plain synchronous channel (the SDK, `dovetail_factory`, is grpc.aio and
cannot run inside Locust's loop); the channel options are the SDK's, so keepalive agrees with
the server's. Each `FactoryClient` user is one factory (load/factory_fleet.py), with its key:

  * a greenlet follows `SubscribeAssignments` (replay, then live; it resumes after the last
    sequence if the stream drops). Every live change is timed from the server's `changed_at`
    (when the plan or report event was recorded) to its arrival: "assignment delivered" for
    ASSIGNED / RESCHEDULED, "progress echoed" for PROGRESSED (its own reports coming back);
  * the task picks the earliest planned operation whose predecessors have finished and reports
    it STARTED, then FINISHED (`work_ms` apart; 0 by default: as fast as the service lets it),
    each with its own idempotency key, like a shop floor terminal;
  * once a second it calls grpc.health.v1.Health/Check on the same channel: the gRPC floor
    under the same load, beside the reports.

`Shop` posts signed canonical webhooks at `order_rate` orders/s, so orders keep flowing (and
being planned, re-planned and assigned) while the factories report. `HealthOnly` users call
Health/Check back to back: the baseline phase, at the same concurrency, on the same kind of
channel. Phases (see load/locust_headless.py): "health baseline", then "factory clients".

Options (`--opt key=value`): factories (N users), scheduling (host:port), order_rate,
shop_users, webhook_secret, seconds, baseline_seconds, work_ms.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid

import gevent
import grpc
import grpc.experimental.gevent as grpc_gevent
from gevent.event import Event
from grpc_health.v1 import health_pb2, health_pb2_grpc
from locust import FastHttpUser, User, constant, constant_throughput, task

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from dovetail_factory.connection import CHANNEL_OPTIONS
from load.factory_fleet import fleet
from load.locust_headless import Phase
from services.kit.settings import DEV_WEBHOOK_SECRETS
from tests.helpers import order_payload
from webhook_signature import sign

grpc_gevent.init_gevent()

REPORT_STARTED = "ReportOperation started"
REPORT_FINISHED = "ReportOperation finished"
REPORT_DUPLICATE = "ReportOperation duplicate"
REPORTS = (REPORT_STARTED, REPORT_FINISHED, REPORT_DUPLICATE)
DELIVERED = "assignment delivered (plan → client)"
ECHOED = "progress echoed (report → client)"
HEALTH = "Health/Check (same channel, under load)"
HEALTH_BASELINE = "Health/Check (baseline, back to back)"
STREAM = "SubscribeAssignments"
IDLE = "idle: nothing ready to report"
WEBHOOK = "POST /webhooks/dovetail/orders"
RANK = {pb.OPERATION_STATUS_PLANNED: 0, pb.OPERATION_STATUS_SCRAPPED: 0,
        pb.OPERATION_STATUS_STARTED: 1, pb.OPERATION_STATUS_FINISHED: 2}
HEALTH_REQUEST = health_pb2.HealthCheckRequest(service="")


def option(environment, name: str, default):
    value = getattr(environment.parsed_options, name, None)
    return default if value in (None, "") else type(default)(value)


def timed(environment, name: str, call, *args, **kwargs):
    """Call a unary RPC and tell Locust how long it took; (reply, error)."""
    started = time.perf_counter()
    reply, error = None, None
    try:
        reply = call(*args, **kwargs)
    except grpc.RpcError as exc:
        error = exc
    environment.events.request.fire(
        request_type="grpc", name=name, response_time=(time.perf_counter() - started) * 1000,
        response_length=reply.ByteSize() if reply is not None else 0, exception=error,
        context={})
    return reply, error


def fire(environment, name: str, ms: float, error: Exception | None = None) -> None:
    environment.events.request.fire(request_type="stream", name=name, response_time=ms,
                                    response_length=0, exception=error, context={})


class GrpcUser(User):
    abstract = True

    def open_channel(self) -> None:
        target = option(self.environment, "scheduling", "127.0.0.1:50053")
        self.channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def on_stop(self) -> None:
        self.channel.close()


class HealthOnly(GrpcUser):
    """The baseline: the scheduling service's gRPC server answering a health check."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.open_channel()

    @task
    def check(self) -> None:
        timed(self.environment, HEALTH_BASELINE, self.health.Check, HEALTH_REQUEST, timeout=10)


class FactoryClient(GrpcUser):
    wait_time = constant(0)
    numbers = itertools.count()

    def on_start(self) -> None:
        env = self.environment
        factories = fleet(option(env, "factories", 8))
        self.factory = factories[next(FactoryClient.numbers) % len(factories)]
        self.metadata = (("authorization", f"Bearer {self.factory.dev_key}"),)
        self.work_s = option(env, "work_ms", 0.0) / 1000
        self.open_channel()
        self.stub = pb_grpc.SchedulingServiceStub(self.channel)
        self.held: dict[str, pb.Assignment] = {}
        self.blocked: set[str] = set()
        self.sequence = 0
        self.changed = Event()
        self.next_health = 0.0
        self.stopping = False
        self.stream = None
        self.follower = gevent.spawn(self.follow)

    def on_stop(self) -> None:
        self.stopping = True
        if self.stream is not None:
            self.stream.cancel()
        if self.follower is not None:
            self.follower.kill(block=False)
        super().on_stop()

    # ---- the assignment stream -------------------------------------------------------------

    def follow(self) -> None:
        env = self.environment
        while not self.stopping:
            request = pb.SubscribeAssignmentsRequest(factory_id=self.factory.factory_id,
                                                     resume_after_sequence=self.sequence)
            try:
                self.stream = self.stub.SubscribeAssignments(request, metadata=self.metadata)
                for item in self.stream:
                    self.take(item)
            except grpc.RpcError as exc:
                if self.stopping:
                    return
                fire(env, STREAM, 0.0, exc)
                time.sleep(0.5)

    def take(self, item: pb.SubscribeAssignmentsResponse) -> None:
        self.sequence = item.sequence
        a = item.assignment
        if item.live:
            lag_ms = time.time() * 1000 - (item.changed_at.seconds * 1000
                                           + item.changed_at.nanos / 1e6)
            name = ECHOED if item.kind == pb.ASSIGNMENT_CHANGE_KIND_PROGRESSED else DELIVERED
            if item.kind != pb.ASSIGNMENT_CHANGE_KIND_WITHDRAWN:
                fire(self.environment, name, lag_ms)
        if item.kind == pb.ASSIGNMENT_CHANGE_KIND_WITHDRAWN:
            self.held.pop(a.operation_id, None)
        else:
            mine = self.held.get(a.operation_id)
            if (mine is not None and a.status != pb.OPERATION_STATUS_SCRAPPED
                    and RANK.get(mine.status, 0) > RANK.get(a.status, 0)):
                a.status = mine.status  # a change recorded before our own report: keep ours
            self.held[a.operation_id] = a
        self.blocked.discard(a.operation_id)
        self.changed.set()

    # ---- the shop floor --------------------------------------------------------------------

    def next_ready(self) -> pb.Assignment | None:
        finished = {op for op, a in self.held.items() if a.status == pb.OPERATION_STATUS_FINISHED}
        by_order: dict[str, list[pb.Assignment]] = {}
        for a in self.held.values():
            by_order.setdefault(a.order_id, []).append(a)
        candidates = []
        for a in self.held.values():
            if a.operation_id in self.blocked or a.status == pb.OPERATION_STATUS_FINISHED:
                continue
            earlier = [b for b in by_order[a.order_id] if b.seq < a.seq]
            if all(b.operation_id in finished for b in earlier):
                candidates.append(a)
        return min(candidates, key=lambda a: (a.planned_start.seconds, a.seq), default=None)

    def report(self, a: pb.Assignment, kind: int, name: str) -> bool:
        word = "started" if kind == pb.OPERATION_REPORT_KIND_STARTED else "finished"
        request = pb.ReportOperationRequest(
            operation_id=a.operation_id, kind=kind, machine_id=a.machine_id,
            idempotency_key=f"lc:{a.operation_id}:{word}")
        started = time.perf_counter()
        reply, error = None, None
        try:
            reply = self.stub.ReportOperation(request, metadata=self.metadata, timeout=10)
        except grpc.RpcError as exc:
            error = exc
        ms = (time.perf_counter() - started) * 1000
        if reply is not None and reply.duplicate:
            name = REPORT_DUPLICATE
        self.environment.events.request.fire(
            request_type="grpc", name=name, response_time=ms, response_length=0,
            exception=error, context={})
        if error is not None:
            code = error.code() if hasattr(error, "code") else None
            if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
                # The order was taken away meanwhile (moved before we started it): drop all of
                # it, or its later operations would look ready and be refused one by one.
                for op in [op for op, b in self.held.items() if b.order_id == a.order_id]:
                    del self.held[op]
            else:
                self.blocked.add(a.operation_id)  # e.g. refused as out of order: wait
            return False
        held = self.held.get(a.operation_id)
        if held is not None and RANK.get(reply.status, 0) >= RANK.get(held.status, 0):
            held.status = reply.status
        return True

    @task
    def work(self) -> None:
        now = time.monotonic()
        if now >= self.next_health:
            self.next_health = now + 1.0
            timed(self.environment, HEALTH, self.health.Check, HEALTH_REQUEST, timeout=10)
        a = self.next_ready()
        if a is None:  # waiting for work: timed, so the idle share shows beside the reports
            self.changed.clear()
            waited = time.perf_counter()
            self.changed.wait(timeout=0.5)
            fire(self.environment, IDLE, (time.perf_counter() - waited) * 1000)
            return
        if a.status != pb.OPERATION_STATUS_STARTED:
            if not self.report(a, pb.OPERATION_REPORT_KIND_STARTED, REPORT_STARTED):
                return
            if self.work_s:
                time.sleep(self.work_s)
        self.report(a, pb.OPERATION_REPORT_KIND_FINISHED, REPORT_FINISHED)


class Shop(FastHttpUser):
    """Orders keep coming while the factories work (rate set in `phases`)."""

    fixed_count = 1
    wait_time = constant_throughput(1.0)

    def on_start(self) -> None:
        self.secret = (getattr(self.environment.parsed_options, "webhook_secret", "")
                       or DEV_WEBHOOK_SECRETS["dovetail"])
        self.template = order_payload("X")
        self.template["promised_date"] = "2027-01-31"

    @task
    def place_order(self) -> None:
        self.template["external_id"] = f"FLOW-{uuid.uuid4().hex}"
        body = json.dumps(self.template).encode()
        with self.client.post("/webhooks/dovetail/orders", data=body, name=WEBHOOK,
                              headers={"Dovetail-Signature": sign(self.secret, body),
                                       "Content-Type": "application/json"},
                              catch_response=True) as response:
            if response.status_code != 202:
                response.failure(f"HTTP {response.status_code}")


def phases(options) -> list[Phase]:
    n = int(getattr(options, "factories", 8))
    rate = float(getattr(options, "order_rate", 5))
    shops = max(1, int(getattr(options, "shop_users", 0) or -(-rate // 10)))
    Shop.fixed_count = shops
    Shop.wait_time = constant_throughput(rate / shops)
    baseline_s = float(getattr(options, "baseline_seconds", 10))
    seconds = float(getattr(options, "seconds", 60))
    return [
        Phase("health baseline", [HealthOnly], n, baseline_s, progress_names=(HEALTH_BASELINE,)),
        Phase("factory clients", [FactoryClient, Shop], n + shops, seconds,
              progress_names=(REPORT_STARTED, REPORT_FINISHED),
              meta={"factories": n, "order_rate": rate, "shop_users": shops}),
    ]
