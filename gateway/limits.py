"""Rate limits: Litestar's limiter for webhooks and sign-in; our own budget of failed API keys.

Both key on the client address, which is the direct peer unless that peer is a trusted proxy
(DOVETAIL_TRUSTED_PROXIES): only then is X-Forwarded-For believed (gateway.app), so a client
cannot reset a limit by forging the header. Counts are per gateway process.

Webhook limits are generous (shops burst on sales; the load benchmark posts hundreds a second
from one address): they stop floods, not traffic. Sign-in is tight: it guards admin keys
against guessing. Failed bearer keys are counted per address and per key prefix, and the
budget is checked before the key is looked up: a client over it is answered 429 without
the database being asked, whatever key it sends next.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig

from gateway.settings import EdgeSettings

webhook_limit = RateLimitConfig(rate_limit=("second", 2000), store="rate_limit_webhooks")
sign_in_limit = RateLimitConfig(rate_limit=("minute", 10), store="rate_limit_sign_in")

# A key's first characters name it well enough to count guesses at it (`dvt_admin_` and six
# random characters) without keeping the key itself.
KEY_PREFIX_CHARS = 16
MAX_TRACKED = 50_000


@dataclass
class FailureBudget:
    """At most `limit` failures per fixed window of `window_s` for one name."""

    limit: int
    window_s: float
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def wait_s(self, name: str, now: float) -> float:
        """Seconds until `name` may try again; 0 when it is within its budget."""
        started, count = self._windows.get(name, (now, 0))
        if count < self.limit or now >= started + self.window_s:
            return 0.0
        return started + self.window_s - now

    def spend(self, name: str, now: float) -> None:
        started, count = self._windows.get(name, (now, 0))
        if now >= started + self.window_s:
            started, count = now, 0
        if len(self._windows) >= MAX_TRACKED and name not in self._windows:
            self._forget_before(now)
        self._windows[name] = (started, count + 1)

    def _forget_before(self, now: float) -> None:
        self._windows = {n: w for n, w in self._windows.items() if now < w[0] + self.window_s}
        if len(self._windows) >= MAX_TRACKED:  # a flood of live windows: keep the newest half
            kept = sorted(self._windows.items(), key=lambda item: item[1][0])[MAX_TRACKED // 2:]
            self._windows = dict(kept)


class KeyGuessing:
    """Failed API-key attempts, per client address and per key prefix."""

    def __init__(self, edge: EdgeSettings, clock=time.monotonic):
        self.by_address = FailureBudget(edge.auth_failures_per_address, edge.auth_failure_window_s)
        self.by_prefix = FailureBudget(edge.auth_failures_per_key_prefix, edge.auth_failure_window_s)
        self.clock = clock

    def check(self, address: str, key: str | None) -> None:
        """TooManyRequestsException (429, Retry-After) when either budget is spent."""
        now = self.clock()
        wait = max(self.by_address.wait_s(address, now),
                   self.by_prefix.wait_s(prefix_of(key), now) if key else 0.0)
        if wait > 0:
            raise TooManyRequestsException(
                "too many failed API-key attempts from this address or for this key; "
                "retry after the time in Retry-After",
                headers={"Retry-After": str(math.ceil(wait))})

    def failed(self, address: str, key: str | None) -> None:
        now = self.clock()
        self.by_address.spend(address, now)
        if key:
            self.by_prefix.spend(prefix_of(key), now)


def prefix_of(key: str) -> str:
    return key[:KEY_PREFIX_CHARS]
