"""Work a process does once at start, before it says it is ready: compiling its kernels.

A numba kernel compiles on its first call after an install (or loads from numba's cache, in
about a second): seconds of one core, 15 s on a loaded two-core box. Inside a first request
that is longer than its caller's deadline (the gateway's 10 s), so the steps run at start in
a thread, and until they are done the process's readiness says "warming up": its gRPC health
is NOT_SERVING (liveness still SERVING), and the gateway and the probes wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from services.kit.health import DependencyDown

log = logging.getLogger("dovetail.warming")

# The name readiness reports a warm-up under, beside its dependencies.
WARM_UP = "warm-up"


class WarmUp:
    """A process's warm-up steps (blocking functions), run once, in order, in a thread."""

    def __init__(self, component: str, steps: Sequence[Callable[[], None]]):
        self.component = component
        self.steps = list(steps)
        self._state: str | None = "warming up"  # why it is not ready yet; None once warm

    @property
    def done(self) -> bool:
        return self._state is None

    async def run(self) -> None:
        """Run every step; a step that fails leaves the process not ready, saying why (a
        service whose kernels do not compile cannot do its work)."""
        for step in self.steps:
            name = getattr(step, "__qualname__", repr(step))
            try:
                await asyncio.to_thread(step)
            except Exception as exc:
                log.exception("warm-up failed", extra={"component": self.component,
                                                       "step": name})
                self._state = f"warm-up failed in {name}: {type(exc).__name__}: {exc}"[:200]
                return
        self._state = None
        log.info("warm", extra={"component": self.component})

    async def check(self) -> None:
        """A readiness check: passes once every step has run."""
        if self._state is not None:
            raise DependencyDown(self._state)
