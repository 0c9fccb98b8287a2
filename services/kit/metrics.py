"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RPC_REQUESTS = Counter(
    "dovetail_grpc_requests_total", "gRPC requests handled", ["service", "method", "code"])
RPC_LATENCY = Histogram(
    "dovetail_grpc_latency_seconds", "gRPC handling time", ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
RELAY_PUBLISHED = Counter(
    "dovetail_relay_published_total", "Notifications published to JetStream", ["service"])
RELAY_LAG = Histogram(
    "dovetail_relay_lag_seconds", "Time from an event being recorded to its PubAck", ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30))
RELAY_POSITION = Gauge(
    "dovetail_relay_position", "Last notification id acknowledged by JetStream", ["service"])
CONSUMER_PROCESSED = Counter(
    "dovetail_consumer_events_total", "Upstream events processed", ["consumer", "outcome"])
CONSUMER_LAG = Gauge(
    "dovetail_consumer_pending", "Messages waiting for a durable consumer", ["consumer"])
CONSUMER_LATENCY = Histogram(
    "dovetail_consumer_delay_seconds", "Time from upstream event to its effect being committed",
    ["consumer"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))
PROJECTION_POSITION = Gauge(
    "dovetail_projection_position", "Last notification id applied to a read model", ["projection"])
PLANNING_PASS = Histogram(
    "dovetail_scheduling_planning_pass_seconds",
    "A planning pass from its start to its plan published (or found not worth publishing), "
    "by kind: slot_in (new orders into the published plan), optimise (a round of the "
    "optimisation sweep), full, repair; arrivals wait while one runs",
    ["partition", "kind", "published"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 60))
PARTITIONS_LED = Gauge(
    "dovetail_scheduling_partition_leader",
    "1 while this scheduling replica plans the partition", ["partition"])
DEPENDENCY_UP = Gauge(
    "dovetail_dependency_up",
    "1 while the process reaches the dependency (PostgreSQL, NATS, an upstream service), else 0",
    ["component", "dependency"])
