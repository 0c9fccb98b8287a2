"""Watching what `make up` started: PostgreSQL, NATS, the services, the gateway, the simulators.

A process that dies is restarted, with a line for the operator each time. One that dies again
soon after it was (re)started waits longer before the next try (backoff), so a crash loop does
not spin. A server whose restart fails `give_up_after` times in a row (its port taken, its disk
full) stops the platform with the reason: better no platform than a half-alive one that
accepts nothing and says nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Supervised(Protocol):
    name: str

    @property
    def log_path(self) -> Path:
        """Where its own output goes."""

    def exit_status(self) -> int | None:
        """None while it runs; else its exit status as `Popen.returncode` gives it."""

    def restart(self) -> None:
        """Clear what the dead process left, start it again, wait until it serves; raise
        with a reason a person can act on when it cannot."""


@dataclass(frozen=True)
class RestartPolicy:
    # Pause before the n-th restart in a row of a process that keeps dying (the last repeats).
    delays: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0, 8.0, 15.0)
    # Up this long after a restart: its next death is not part of a crash loop.
    stable_s: float = 30.0
    # Failed restarts in a row before giving up (None: keep trying).
    give_up_after: int | None = None

    def delay(self, attempt: int) -> float:
        return self.delays[min(attempt, len(self.delays) - 1)]


# Servers: a restart that cannot work fails the same way every time; five tries (~15 s of
# pauses) tell a passing problem from one for a person.
SERVER_POLICY = RestartPolicy(give_up_after=5)
PROCESS_POLICY = RestartPolicy()


class GiveUp(Exception):
    """A server cannot be restarted: the platform stops, saying why."""


def describe_exit(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exited with code {status}"


def exit_status_unreaped(process: subprocess.Popen | None) -> int | None:
    """A child's exit status without reaping it (waitid WNOWAIT): while it stays a zombie its
    PID, and so its process group id, cannot be given to another process."""
    if process is None:
        return None
    if process.returncode is not None:
        return process.returncode
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # reaped elsewhere
        return process.poll()
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


@dataclass
class Watch:
    """One supervised process and where its restarts stand."""

    target: Supervised
    policy: RestartPolicy
    started_at: float
    restarts: int = 0
    crash_loop: int = 0  # deaths in a row, each within `stable_s` of a restart
    failures: int = 0  # failed restarts in a row
    down_since: float | None = None
    next_try: float = 0.0


@dataclass
class Supervisor:
    report: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    watches: list[Watch] = field(default_factory=list)

    def watch(self, target: Supervised, policy: RestartPolicy = PROCESS_POLICY) -> Watch:
        w = Watch(target, policy, started_at=self.clock())
        self.watches.append(w)
        return w

    def tick(self) -> None:
        """Notice deaths and make the restarts that are due; raise GiveUp when one cannot be."""
        for w in self.watches:
            if w.down_since is None:
                self._notice(w)
            if w.down_since is not None and self.clock() >= w.next_try:
                self._restart(w)

    def _notice(self, w: Watch) -> None:
        status = w.target.exit_status()
        if status is None:
            return
        now = self.clock()
        ran = now - w.started_at
        # Soon after a restart (not the first start): a crash loop.
        w.crash_loop = w.crash_loop + 1 if w.restarts and ran < w.policy.stable_s else 0
        w.down_since = now
        pause = w.policy.delay(w.crash_loop)
        w.next_try = now + pause
        when = "now" if pause == 0 else (
            f"in {pause:g} s (it died {w.crash_loop + 1} times in a row, each within "
            f"{w.policy.stable_s:g} s of a restart)")
        self.report(f"{w.target.name} {describe_exit(status)} after running {ran:.1f} s; "
                    f"restarting {when} (see {w.target.log_path})")

    def _restart(self, w: Watch) -> None:
        assert w.down_since is not None
        try:
            w.target.restart()
        except Exception as exc:  # noqa: BLE001 - any reason it cannot start is reported
            w.failures += 1
            limit = w.policy.give_up_after
            if limit is not None and w.failures >= limit:
                raise GiveUp(f"{w.target.name} could not be restarted ({w.failures} tries in "
                             f"{self.clock() - w.down_since:.0f} s): {exc}") from exc
            pause = w.policy.delay(w.crash_loop + w.failures)
            w.next_try = self.clock() + pause
            self.report(f"{w.target.name} did not restart: {exc}; trying again in {pause:g} s")
            return
        now = self.clock()
        w.restarts += 1
        w.failures = 0
        self.report(f"{w.target.name} is back after {now - w.down_since:.1f} s "
                    f"(restart {w.restarts})")
        w.down_since = None
        w.started_at = now
        if w.policy.give_up_after is not None:
            # A server is back: what died for want of it need not sit out its pause.
            for other in self.watches:
                if other.down_since is not None:
                    other.next_try = min(other.next_try, now)
