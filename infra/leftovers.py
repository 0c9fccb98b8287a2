"""What a crashed server leaves behind, and whether it is safe to clear.

PostgreSQL writes `postmaster.pid` (its PID on the first line) into its data directory and
refuses to start while the PID written there is alive: `kill(pid, 0)` succeeding is enough, so
a dead postmaster nobody has reaped (a zombie), or an unrelated process that got the PID since,
blocks a restart just as a live postmaster does. pg_ctl decides "running" the same way. A lock
file whose PID is gone, a zombie, or a process that is not a postmaster is stale and safe to
remove; one whose PID is a live postmaster is not (two postmasters on one data directory corrupt
it). The backends of a killed postmaster stay attached to its shared memory until they notice
and exit; PostgreSQL refuses to start while they are ("pre-existing shared memory block is
still in use", "terminate any old server processes associated with data directory"), so they
are ended first.
"""

from __future__ import annotations

import contextlib
import enum
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path


class Verdict(enum.Enum):
    ABSENT = "absent"  # no lock file (or no PID in it)
    STALE = "stale"  # its PID is gone, a zombie, or another program: safe to remove
    LIVE = "live"  # its PID is a running server of that program: never remove


@dataclass(frozen=True)
class ProcessSeen:
    """A process as /proc shows it: its state letter (`Z` a zombie), its argv[0] without the
    directory, its parent's PID, its whole command line and its working directory (None when
    it cannot be read)."""

    state: str
    program: str
    ppid: int = 0
    argv: tuple[str, ...] = ()
    cwd: Path | None = None


def seen(pid: int) -> ProcessSeen | None:
    """The process `pid`, or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The state follows the command name in parentheses, which may itself hold ") ".
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    argv = tuple(a.decode(errors="replace") for a in cmdline.split(b"\0") if a)
    cwd = None
    with contextlib.suppress(OSError):
        cwd = Path(f"/proc/{pid}/cwd").resolve(strict=True)
    return ProcessSeen(state, os.path.basename(argv[0]) if argv else "", int(ppid), argv, cwd)


def pids() -> list[int]:
    """Every process id /proc shows."""
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def lock_pid(pid_file: Path) -> int | None:
    """The PID on the first line of a pid file, or None (no file, empty, not a number)."""
    try:
        first = pid_file.read_text().split("\n", 1)[0].strip()
        return int(first)
    except (FileNotFoundError, ValueError):
        return None


def verdict(pid: int | None, process: ProcessSeen | None, programs: frozenset[str],
            reaped: int | None = None, directory: Path | None = None) -> Verdict:
    """Whether a lock file naming `pid` (running as `process`) is stale: see the module text.
    `reaped`: the PID of the server we just reaped, stale whatever holds that PID now;
    `directory`: a live server counts only when it works there (a postmaster works in its data
    directory; one of another data directory got the PID by chance)."""
    if pid is None:
        return Verdict.ABSENT
    if pid == reaped or process is None or process.state == "Z" or process.program not in programs:
        return Verdict.STALE
    if directory is not None and process.cwd is not None and process.cwd != directory.resolve():
        return Verdict.STALE
    return Verdict.LIVE


POSTMASTER = frozenset({"postgres", "postmaster"})
NATS_SERVER = frozenset({"nats-server"})


class LiveServerError(RuntimeError):
    """A lock file names a server that is still running: it must not be started twice."""


def clear_stale_lock(pid_file: Path, programs: frozenset[str], what: str,
                     reaped: int | None = None, directory: Path | None = None) -> Verdict:
    """Remove `pid_file` if stale; raise LiveServerError if its PID is a live server."""
    pid = lock_pid(pid_file)
    found = verdict(pid, seen(pid) if pid is not None else None, programs, reaped, directory)
    if found is Verdict.LIVE:
        raise LiveServerError(
            f"{pid_file} names {what} process {pid}, which is still running; stop it (or "
            f"choose another DOVETAIL_HOME) before Dovetail can start its own")
    if found is Verdict.STALE:
        pid_file.unlink(missing_ok=True)
    return found


def processes_in(directory: Path) -> list[int]:
    """Live (not zombie) processes whose working directory is `directory`: a postmaster and
    every process it forked work in its data directory."""
    target = directory.resolve()
    return [pid for pid in pids()
            if (process := seen(pid)) is not None and process.state != "Z"
            and process.cwd == target]


def end_orphans(directory: Path, timeout: float = 10.0) -> list[int]:
    """SIGKILL the processes left working in a dead server's directory (a postmaster's
    backends and helpers: each runs in a session of its own, so not in the postmaster's
    process group); returns those still there after `timeout` (none, normally)."""
    deadline = time.monotonic() + timeout
    while (left := processes_in(directory)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    return left
