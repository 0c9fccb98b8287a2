"""When a failed send is tried again: the Standard Webhooks schedule.

Each delay starts when the try before it failed: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 10 h — eight tries over about 27 h 35 min, then the delivery is dead-lettered.
"""

from __future__ import annotations

from datetime import timedelta

STANDARD_SCHEDULE_S: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


def next_delay(schedule_s: tuple[float, ...], tries_made: int) -> timedelta | None:
    """The wait before the next try after `tries_made` failed ones; None when none is left."""
    if tries_made < 0:
        raise ValueError("tries_made must not be negative")
    if tries_made >= len(schedule_s):
        return None
    return timedelta(seconds=schedule_s[tries_made])


def parse_schedule(text: str) -> tuple[float, ...]:
    """'0,5,300' → (0.0, 5.0, 300.0): delays in seconds, non-negative, at least one."""
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"retry schedule {text!r} is not comma-separated seconds") from None
    if not delays or any(d < 0 for d in delays):
        raise ValueError(f"retry schedule {text!r} needs at least one delay, none negative")
    return delays
