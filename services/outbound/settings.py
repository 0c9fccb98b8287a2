"""The outbound service's own settings, read from DOVETAIL_* once (the kit's Settings hold
the rest)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from services.kit.settings import SettingsError, seconds
from services.outbound.domain.retries import STANDARD_SCHEDULE_S, parse_schedule


@dataclass(frozen=True)
class OutboundSettings:
    # Where the public tracking page is served (the gateway), for the links shops pass on.
    public_url: str = "http://127.0.0.1:8000"
    # Delays before each try, from the failure of the one before (Standard Webhooks).
    retry_schedule_s: tuple[float, ...] = STANDARD_SCHEDULE_S
    # One try waits this long for an answer.
    request_timeout_s: float = 15.0
    # Tries in flight at once (to all targets together).
    concurrency: int = 16
    # How often the queue is looked at when nothing wakes the dispatcher sooner.
    poll_s: float = 0.5

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OutboundSettings:
        env = os.environ if env is None else env
        try:
            schedule = parse_schedule(env.get("DOVETAIL_OUTBOUND_RETRY_SCHEDULE_S", "")
                                      or ",".join(map(str, STANDARD_SCHEDULE_S)))
        except ValueError as exc:
            raise SettingsError(f"DOVETAIL_OUTBOUND_RETRY_SCHEDULE_S: {exc}") from None
        return cls(public_url=(env.get("DOVETAIL_PUBLIC_URL") or cls.public_url).rstrip("/"),
                   retry_schedule_s=schedule,
                   request_timeout_s=seconds(env, "DOVETAIL_OUTBOUND_TIMEOUT_S", 15.0),
                   poll_s=seconds(env, "DOVETAIL_OUTBOUND_POLL_S", 0.5))
