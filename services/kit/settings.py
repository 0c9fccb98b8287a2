"""Typed settings, read from DOVETAIL_* environment variables once and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

# Development values for code that builds Settings itself (tests, benchmarks). An operator's
# settings (`from_env`) never fall back to them, and a platform listening beyond loopback
# refuses them (services/kit/exposure.py).
DEV_ADMIN_KEY = "dvt_admin_dev_key_change_me"
# Shops sign orders with their channel's secret; carriers sign their events with
# "carrier-<name>" secrets (which are never accepted for orders).
DEV_WEBHOOK_SECRETS = {"dovetail": "whsec_dovetail_dev", "shopify": "whsec_shopify_dev",
                       "woocommerce": "whsec_woocommerce_dev",
                       "carrier-sf-express": "whsec_carrier_sf_express_dev",
                       "carrier-deppon": "whsec_carrier_deppon_dev",
                       "carrier-global-freight": "whsec_carrier_global_freight_dev"}

SERVICE_PORTS = {
    "orders": 50051,
    "configurator": 50052,
    "scheduling": 50053,
    "delivery": 50054,
    "iot": 50055,
    "outbound": 50056,
}
# Prometheus metrics of each service: 9100 + the last digits of its gRPC port.
METRICS_PORTS = {name: 9100 + port - 50050 for name, port in SERVICE_PORTS.items()}


class SettingsError(ValueError):
    """A DOVETAIL_* variable holds a value Dovetail cannot use."""


def parse_secrets(text: str) -> dict[str, str]:
    """`channel=secret,channel=secret` → {channel: secret}."""
    secrets: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        channel, sep, secret = part.partition("=")
        if not sep or not channel.strip() or not secret.strip():
            raise SettingsError(
                f"DOVETAIL_WEBHOOK_SECRETS: {part!r} is not of the form channel=secret"
            )
        secrets[channel.strip()] = secret.strip()
    return secrets


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from ``env`` (``default`` when unset or empty)."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise SettingsError(f"{name} must be above 0")
    return value


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value <= 0:
        raise SettingsError(f"{name} must be above 0")
    return value


def _services(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return tuple(SERVICE_PORTS)
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in SERVICE_PORTS]
    if unknown:
        raise SettingsError(f"DOVETAIL_SERVICES names unknown services {unknown}; "
                            f"known: {', '.join(SERVICE_PORTS)}")
    return names


GiB = 1 << 30
MiB = 1 << 20
DAY_S = 86_400.0


@dataclass(frozen=True)
class StreamSettings:
    """Limits and retention of the JetStream streams (docs/operations.md has the sizing).

    PostgreSQL is the record; an event stream only carries events to the other services, so its
    retention covers their catch-up after an outage: `event_max_age_s`. Its byte cap refuses new
    messages when full (the relay waits, the events wait in PostgreSQL) rather than dropping
    messages a consumer has not read. Telemetry is a short replay buffer: oldest dropped first.
    """

    event_max_age_s: float = 7 * DAY_S
    # Per event stream: twice 7 chain days plus an hour at 50 orders/s, from the sizes measured
    # by load/bench_volumes.py (docs/operations.md). The server reserves them on its store.
    event_max_bytes: dict[str, int] = field(default_factory=lambda: {
        "orders": 2 * GiB, "configurator": 1 * GiB, "scheduling": 3 * GiB,
        "delivery": 3 * GiB, "iot": 1 * GiB})
    # A relay crash re-publishes at most 1.5 batches at once; the relay also reads the tail.
    duplicate_window_s: float = 600.0
    # The largest event measured is 12 kB (a published schedule): a larger one is a fault.
    event_max_msg_size: int = 1 * MiB
    telemetry_max_age_s: float = 3600.0
    # An hour of 16,000 machines at 1 Hz is 8.4 GB on the stream (146 B a message), + 20 %.
    telemetry_max_bytes: int = 10 * GiB
    telemetry_max_msg_size: int = 1 * MiB

    def max_bytes_of(self, service: str) -> int:
        return self.event_max_bytes.get(service, max(self.event_max_bytes.values()))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StreamSettings:
        d = cls()
        # DOVETAIL_IOT_TELEMETRY_MAX_AGE_S is the name the iot service read before.
        telemetry_age = seconds(env, "DOVETAIL_IOT_TELEMETRY_MAX_AGE_S", d.telemetry_max_age_s)
        return cls(
            event_max_age_s=seconds(env, "DOVETAIL_STREAM_MAX_AGE_S", d.event_max_age_s),
            event_max_bytes={
                name: _positive(env, f"DOVETAIL_{name.upper()}_STREAM_MAX_BYTES", default)
                for name, default in d.event_max_bytes.items()},
            duplicate_window_s=seconds(env, "DOVETAIL_STREAM_DUPLICATE_WINDOW_S",
                                        d.duplicate_window_s),
            event_max_msg_size=_positive(env, "DOVETAIL_STREAM_MAX_MSG_SIZE",
                                         d.event_max_msg_size),
            telemetry_max_age_s=seconds(env, "DOVETAIL_TELEMETRY_STREAM_MAX_AGE_S",
                                         telemetry_age),
            telemetry_max_bytes=_positive(env, "DOVETAIL_TELEMETRY_STREAM_MAX_BYTES",
                                          d.telemetry_max_bytes),
            telemetry_max_msg_size=_positive(env, "DOVETAIL_TELEMETRY_STREAM_MAX_MSG_SIZE",
                                             d.telemetry_max_msg_size),
        )

    def to_env(self) -> dict[str, str]:
        env = {
            "DOVETAIL_STREAM_MAX_AGE_S": repr(self.event_max_age_s),
            "DOVETAIL_STREAM_DUPLICATE_WINDOW_S": repr(self.duplicate_window_s),
            "DOVETAIL_STREAM_MAX_MSG_SIZE": str(self.event_max_msg_size),
            "DOVETAIL_TELEMETRY_STREAM_MAX_AGE_S": repr(self.telemetry_max_age_s),
            "DOVETAIL_TELEMETRY_STREAM_MAX_BYTES": str(self.telemetry_max_bytes),
            "DOVETAIL_TELEMETRY_STREAM_MAX_MSG_SIZE": str(self.telemetry_max_msg_size),
        }
        for name, size in self.event_max_bytes.items():
            env[f"DOVETAIL_{name.upper()}_STREAM_MAX_BYTES"] = str(size)
        return env


@dataclass(frozen=True)
class Settings:
    home: Path = Path(".dovetail")
    # Empty: start the embedded server under `home`.
    database_url: str = ""
    nats_url: str = ""
    # The bootstrap admin key (from_env: empty when unset; `make up` then generates one).
    admin_key: str = DEV_ADMIN_KEY
    webhook_secrets: dict[str, str] = field(default_factory=lambda: dict(DEV_WEBHOOK_SECRETS))
    tenant: str = "default"
    grpc_host: str = "127.0.0.1"
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    metrics_ports: dict[str, int] = field(default_factory=lambda: dict(METRICS_PORTS))
    gateway_port: int = 8000
    postgres_port: int = 54329
    nats_port: int = 4222
    nats_monitor_port: int = 8222
    pool_size: int = 5
    # Copies of each JetStream stream (3 on a 3-node cluster, so one node may be lost).
    stream_replicas: int = 1
    streams: StreamSettings = field(default_factory=StreamSettings)
    log_level: str = "INFO"
    log_format: str = "json"
    # Webhook signatures older or newer than this are refused (replay window).
    signature_tolerance_s: int = 300
    # The services this deployment runs (the gateway talks to, and reports health of, these).
    services: tuple[str, ...] = tuple(SERVICE_PORTS)
    # gRPC targets that override host:port, e.g. replicas "ipv4:10.0.0.1:50051,10.0.0.2:50051"
    # or "dns:///orders.dovetail:50051"; clients balance round-robin over what they resolve.
    service_targets: dict[str, str] = field(default_factory=dict)
    # PEM files: with a certificate and its key every gRPC server serves TLS, and the
    # platform's clients trust `tls_ca` (default: the certificate itself).
    tls_cert: str = ""
    tls_key: str = ""
    tls_ca: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        ports = dict(SERVICE_PORTS)
        for name in ports:
            ports[name] = _int(env, f"DOVETAIL_{name.upper()}_PORT", ports[name])
        metrics = dict(METRICS_PORTS)
        for name in metrics:
            metrics[name] = _int(env, f"DOVETAIL_{name.upper()}_METRICS_PORT", metrics[name])
        secrets_raw = env.get("DOVETAIL_WEBHOOK_SECRETS")
        tls_cert, tls_key = env.get("DOVETAIL_TLS_CERT", ""), env.get("DOVETAIL_TLS_KEY", "")
        if bool(tls_cert) != bool(tls_key):
            raise SettingsError("DOVETAIL_TLS_CERT and DOVETAIL_TLS_KEY go together: set both "
                                "(a PEM certificate and its private key) or neither")
        return cls(
            home=Path(env.get("DOVETAIL_HOME", ".dovetail")).expanduser().resolve(),
            database_url=env.get("DOVETAIL_DATABASE_URL", ""),
            nats_url=env.get("DOVETAIL_NATS_URL", ""),
            admin_key=env.get("DOVETAIL_ADMIN_KEY", "").strip(),
            webhook_secrets=parse_secrets(secrets_raw) if secrets_raw else {},
            tenant=env.get("DOVETAIL_TENANT", "default"),
            grpc_host=env.get("DOVETAIL_GRPC_HOST", "127.0.0.1"),
            service_ports=ports,
            metrics_ports=metrics,
            gateway_port=_int(env, "DOVETAIL_GATEWAY_PORT", 8000),
            postgres_port=_int(env, "DOVETAIL_POSTGRES_PORT", 54329),
            nats_port=_int(env, "DOVETAIL_NATS_PORT", 4222),
            nats_monitor_port=_int(env, "DOVETAIL_NATS_MONITOR_PORT", 8222),
            pool_size=_int(env, "DOVETAIL_POOL_SIZE", 5),
            stream_replicas=_int(env, "DOVETAIL_STREAM_REPLICAS", 1),
            streams=StreamSettings.from_env(env),
            log_level=env.get("DOVETAIL_LOG_LEVEL", "INFO").upper(),
            log_format=env.get("DOVETAIL_LOG_FORMAT", "json"),
            signature_tolerance_s=_int(env, "DOVETAIL_SIGNATURE_TOLERANCE_S", 300),
            services=_services(env.get("DOVETAIL_SERVICES")),
            service_targets={name: env[f"DOVETAIL_{name.upper()}_TARGET"] for name in SERVICE_PORTS
                             if env.get(f"DOVETAIL_{name.upper()}_TARGET")},
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=env.get("DOVETAIL_TLS_CA", ""),
        )

    def service_address(self, service: str) -> str:
        """Where clients reach a service: its target override, else host:port."""
        return self.service_targets.get(service) or f"{self.grpc_host}:{self.service_ports[service]}"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """The DOVETAIL_* variables that reproduce these settings in a child process."""
        env = {
            "DOVETAIL_HOME": str(self.home),
            "DOVETAIL_DATABASE_URL": self.database_url,
            "DOVETAIL_NATS_URL": self.nats_url,
            "DOVETAIL_ADMIN_KEY": self.admin_key,
            "DOVETAIL_WEBHOOK_SECRETS": ",".join(f"{c}={s}" for c, s in self.webhook_secrets.items()),
            "DOVETAIL_TENANT": self.tenant,
            "DOVETAIL_GRPC_HOST": self.grpc_host,
            "DOVETAIL_GATEWAY_PORT": str(self.gateway_port),
            "DOVETAIL_POOL_SIZE": str(self.pool_size),
            "DOVETAIL_STREAM_REPLICAS": str(self.stream_replicas),
            "DOVETAIL_LOG_LEVEL": self.log_level,
            "DOVETAIL_LOG_FORMAT": self.log_format,
            "DOVETAIL_SIGNATURE_TOLERANCE_S": str(self.signature_tolerance_s),
            "DOVETAIL_SERVICES": ",".join(self.services),
            "DOVETAIL_TLS_CERT": self.tls_cert,
            "DOVETAIL_TLS_KEY": self.tls_key,
            "DOVETAIL_TLS_CA": self.tls_ca,
        }
        env.update(self.streams.to_env())
        for name, port in self.service_ports.items():
            env[f"DOVETAIL_{name.upper()}_PORT"] = str(port)
        for name, port in self.metrics_ports.items():
            env[f"DOVETAIL_{name.upper()}_METRICS_PORT"] = str(port)
        for name, target in self.service_targets.items():
            env[f"DOVETAIL_{name.upper()}_TARGET"] = target
        return env
