"""`make up`: start PostgreSQL, NATS, every service and the gateway; Ctrl-C stops them all.

With DOVETAIL_DATABASE_URL / DOVETAIL_NATS_URL set, those servers are used instead of the
embedded ones. Data lives under DOVETAIL_HOME (default ./.dovetail) across restarts.
Whatever dies is restarted, the embedded PostgreSQL and NATS too (infra/supervision.py): a
service resumes from its recorded positions, PostgreSQL runs its crash recovery, JetStream
recovers its store. Each restart is said on the console and in DOVETAIL_HOME/logs/launcher.log;
a server that cannot be restarted stops the platform with the reason (exit code 3).

Without DOVETAIL_ADMIN_KEY / DOVETAIL_WEBHOOK_SECRETS, random ones are generated into
DOVETAIL_HOME on first start (infra/credentials.py). The admin key in use becomes the bootstrap
admin key, revoking the one before it. The demo network, whose factory keys are published,
runs only when the platform listens on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from demo import simulators
from demo.wear import DemoWear
from infra.credentials import LocalSecrets, local_secrets
from infra.servers import NatsProcess, PortInUseError, PostgresProcess, require_free_port
from infra.supervision import SERVER_POLICY, GiveUp, Supervisor
from services.kit.auth import KeyRefused
from services.kit.exposure import check_exposure, is_loopback
from services.kit.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent
SERVICE_ORDER = ("orders", "configurator", "scheduling", "delivery", "iot", "outbound")


def available_services() -> list[str]:
    """Services whose composition root exists in this checkout."""
    return [s for s in SERVICE_ORDER if (ROOT / "services" / s / "main.py").exists()]


def demo_seeders(services: list[str]) -> list[str]:
    """Modules with `async def seed(settings) -> list[str] | None` (banner lines), in order: the
    factories before the orders that need them."""
    wanted = [("iot", "demo.factories"), ("scheduling", "demo.tariffs"),
              ("configurator", "demo.stock"), ("orders", "demo.shop")]
    return [module for service, module in wanted if service in services]


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def restart(self) -> None:
        self.start()

    def exit_status(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Platform:
    settings: Settings
    postgres: PostgresProcess | None = None
    nats: NatsProcess | None = None
    children: list[Child] = field(default_factory=list)
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.report)

    def report(self, text: str) -> None:
        """A supervision event: in DOVETAIL_HOME/logs/launcher.log, then on the console (so
        whoever reads a line on the console finds it in the log too)."""
        logs = self.settings.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / "launcher.log", "a") as log:
            log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {text}\n")
        say(f"{time.strftime('%H:%M:%S')} {text}")

    def start_servers(self) -> Settings:
        s = self.settings
        s.home.mkdir(parents=True, exist_ok=True)
        if not s.database_url:
            self.postgres = PostgresProcess(s.home / "postgres" / "data", s.postgres_port).start()
            self.supervisor.watch(self.postgres, SERVER_POLICY)
            s = s.with_(database_url=self.postgres.url)
            say(f"PostgreSQL   {self.postgres.url}  (data in {s.home / 'postgres'})")
        else:
            say("PostgreSQL   using DOVETAIL_DATABASE_URL")
        if not s.nats_url:
            self.nats = NatsProcess(s.home / "nats", s.nats_port, s.nats_monitor_port).start()
            self.supervisor.watch(self.nats, SERVER_POLICY)
            s = s.with_(nats_url=self.nats.url)
            say(f"NATS         {self.nats.url}  (JetStream store in {s.home / 'nats'})")
        else:
            say("NATS         using DOVETAIL_NATS_URL")
        self.settings = s
        return s

    def start_simulators(self) -> None:
        """Simulated factories and carriers, started once the platform is up and seeded."""
        s = self.settings
        env = {**os.environ, **s.to_env(), "PYTHONUNBUFFERED": "1"}
        for sim in simulators(list(s.services)):
            child = Child(sim.name, [sys.executable, "-m", sim.module], env,
                          s.home / "logs" / f"{sim.name}.log")
            self.children.append(child)
            child.start()
            self.supervisor.watch(child)

    def start_processes(self, services: list[str]) -> None:
        s = self.settings
        logs = s.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        # the demo's wearing saw is judged in iot windows as short as the demo makes them, and
        # its maintenance planned in the same hours (demo/wear.py DemoWear); DOVETAIL_IOT_WEAR_*
        # and DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S set by hand win
        wear = DemoWear.from_env(dict(os.environ))
        scaled = {**wear.iot_env(), **wear.scheduling_env()} if wear else {}
        env = {**scaled, **os.environ, **s.to_env(), "PYTHONUNBUFFERED": "1"}
        outbox = mail_dir(s.home, os.environ)
        if outbox is not None:
            env["DOVETAIL_MAIL_DIR"] = str(outbox)
        for name in services:
            require_free_port(s.service_ports[name], f"the {name} service (gRPC)")
            require_free_port(s.metrics_ports[name], f"the {name} service (metrics)")
            self.children.append(Child(name, [sys.executable, "-m", f"services.{name}.main"],
                                       env, logs / f"{name}.log"))
        require_free_port(s.gateway_port, "the gateway (HTTP)")
        self.children.append(Child("gateway", [sys.executable, "-m", "gateway.main"], env,
                                   logs / "gateway.log"))
        for child in self.children:
            child.start()
            self.supervisor.watch(child)

    def supervise_once(self) -> None:
        """Restart what died, the servers included (raises GiveUp when a server cannot be)."""
        self.supervisor.tick()

    def stop(self) -> None:
        for child in self.children:
            child.terminate()
        for child in self.children:
            child.wait(15)
        if self.nats:
            self.nats.stop()
        if self.postgres:
            self.postgres.stop()


def say(text: str) -> None:
    print(text, flush=True)


async def prepare(settings: Settings, demo: bool) -> list[str]:
    """Streams and the bootstrap admin key exist before anything else starts; without the
    demo, its published factory keys are revoked. Returns what to tell the operator."""
    from psycopg_pool import AsyncConnectionPool

    from demo.network import DEMO_FACTORIES
    from services.kit.auth import KeyStore
    from services.kit.jetstream import connect, ensure_streams

    nc = await connect(settings.nats_url, "dovetail-launcher")
    await ensure_streams(nc.jetstream(), replicas=settings.stream_replicas,
                         limits=settings.streams)
    await nc.close()
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        replaced = await keys.bootstrap_admin(settings.admin_key)
        if not demo:
            for factory in DEMO_FACTORIES:
                await keys.revoke(factory.dev_key)
    return [f"Revoked the admin key {kid}: the admin key now in use replaces it" for kid in replaced]


async def wait_healthy(settings: Settings, timeout: float = 300.0,
                       progress_every: float = 10.0,
                       tick: Callable[[], None] = lambda: None) -> dict:
    """/healthz's answer once the platform is ready. The first start after an install waits
    for numba to compile the configurator's nesting kernel (its warm-up: 15-30 s, longer on a
    slow machine), so what is still not ready is said every `progress_every` seconds. `tick`
    runs between the reads: the supervisor's, so a process that dies while the platform comes
    up is said and restarted then, not waited for (a service whose port was taken for a
    moment, as a client's ephemeral port, exited at once and make up waited 5 min in vain)."""
    import httpx

    started = time.monotonic()
    deadline, told = started + timeout, started
    last: dict = {}
    async with httpx.AsyncClient(timeout=3) as client:
        while time.monotonic() < deadline:
            tick()
            with contextlib.suppress(httpx.HTTPError, ValueError):
                r = await client.get(f"http://{settings.grpc_host}:{settings.gateway_port}/healthz")
                last = r.json()
                if r.status_code == 200:
                    return last
            if time.monotonic() - told >= progress_every:
                told = time.monotonic()
                say(f"Waiting for {not_ready(last)} ({told - started:.0f} s; the first start "
                    "after an install compiles the configurator's kernels)")
            await asyncio.sleep(0.5)
    raise TimeoutError(f"the platform did not become healthy: {last}")


def not_ready(health: dict) -> str:
    """What /healthz says is not ready yet, as a person reads it."""
    services = health.get("services") or {}
    waiting = [name for name, state in services.items() if state != "SERVING"]
    waiting += list(health.get("missing") or {})
    return ", ".join(dict.fromkeys(waiting)) or "the gateway"


async def seed_demo(settings: Settings, services: list[str]) -> list[str]:
    """The demo's data: its factories (with their keys), then demo orders from a shop."""
    import importlib

    lines: list[str] = []
    for module in demo_seeders(services):
        lines += await importlib.import_module(module).seed(settings) or []
    return lines


def mail_dir(home: Path, environ: Mapping[str, str]) -> Path | None:
    """Where the gateway writes invitations and password resets when no mail server is set:
    DOVETAIL_HOME/mail, unless DOVETAIL_SMTP_URL or DOVETAIL_MAIL_DIR says otherwise (the log
    masks their links, so without either nobody could be invited on a development platform)."""
    if environ.get("DOVETAIL_SMTP_URL", "").strip() or environ.get("DOVETAIL_MAIL_DIR", "").strip():
        return None
    return home / "mail"


def banner(local: LocalSecrets, services: list[str]) -> str:
    settings = local.settings
    base = f"http://{settings.grpc_host}:{settings.gateway_port}"
    ports = "  ".join(f"{n}:{settings.service_ports[n]}" for n in services)
    grpc = "TLS" if settings.tls_cert else "plaintext"
    # Printed like a notebook server's token: the key is only in a file this user can read.
    admin = (f"{settings.admin_key}\n                  (kept in {local.admin_key_file})"
             if local.admin_key_file else "the one in DOVETAIL_ADMIN_KEY")
    secrets = (f"channel=secret lines in {local.webhook_secrets_file}"
               if local.webhook_secrets_file else "the ones in DOVETAIL_WEBHOOK_SECRETS")
    outbox = mail_dir(settings.home, os.environ)
    mail = (f"\n  Mail            {outbox}  (no DOVETAIL_SMTP_URL: invitations and password "
            "resets are written here, one .eml file each)" if outbox is not None else "")
    return f"""
Dovetail is up.
  Portal          {base}/portal/sign-in
  Admin key       {admin}
  Webhook secrets {secrets}
  REST            {base}    (OpenAPI: {base}/schema)
  Health          {base}/healthz      Metrics: {base}/metrics
  gRPC services   {ports}  ({grpc})
  Logs            {settings.home / 'logs'}{mail}
Post an order: see README.md, "Post an order". Press Ctrl-C to stop.
"""


def refused(local: LocalSecrets, exc: Exception) -> str:
    """Why the platform does not start, with the way out when the key came from DOVETAIL_HOME."""
    if isinstance(exc, KeyRefused) and local.admin_key_file:
        return (f"the admin key in {local.admin_key_file} cannot be used: {exc.reason}. Delete "
                "that file to have a new one generated, or set DOVETAIL_ADMIN_KEY.")
    return str(exc)


def main() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    try:
        local = local_secrets(Settings.from_env())
        check_exposure(local.settings)
    except SettingsError as exc:
        say(f"Cannot start: {exc}")
        sys.exit(2)
    settings = local.settings
    demo = is_loopback(settings.grpc_host)
    platform = Platform(settings)

    def on_terminate(signum, _frame) -> None:
        raise KeyboardInterrupt  # SIGTERM stops us the way Ctrl-C does, at any point

    signal.signal(signal.SIGTERM, on_terminate)
    # Ctrl-C stops us even when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for path in local.generated:
            say(f"Generated    {path}  (mode 0600: only you can read it)")
        settings = platform.start_servers()
        for line in asyncio.run(prepare(settings, demo)):
            say(line)
        services = available_services()
        settings = platform.settings = settings.with_(services=tuple(services))
        local = LocalSecrets(settings, local.admin_key_file, local.webhook_secrets_file)
        platform.start_processes(services)
        asyncio.run(wait_healthy(settings, tick=platform.supervise_once))
        extra = ["Demo network not started: it runs only on a loopback DOVETAIL_GRPC_HOST "
                 "(its factory keys are published, and revoked here)."]
        if demo:
            extra = asyncio.run(seed_demo(settings, services))
            platform.start_simulators()
        say(banner(local, services) + "".join(f"  {line}\n" for line in extra))
        while True:
            platform.supervise_once()
            time.sleep(0.25)
    except (PortInUseError, KeyRefused, SettingsError) as exc:
        say(f"Cannot start: {refused(local, exc)}")
        platform.stop()
        sys.exit(2)
    except GiveUp as exc:
        platform.report(f"Cannot keep Dovetail up: {exc}. Stopping everything rather than run "
                        "half-alive.")
        platform.stop()
        sys.exit(3)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave servers running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("Stopping Dovetail ...")
        platform.stop()
        say("Stopped. Data is kept in " + str(settings.home))


if __name__ == "__main__":
    main()
