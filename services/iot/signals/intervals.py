"""Time spans (seconds since the epoch) and the little algebra OEE and downtime need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.iot.signals.states import InvalidInterval


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open time span [start, end)."""

    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInterval(f"span ends at {self.end} before it starts at {self.start}")

    @property
    def seconds(self) -> float:
        return self.end - self.start


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same time."""
    merged: list[Span] = []
    for span in sorted(s for s in spans if s.end > s.start):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def intersect(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Time covered by both sets of spans."""
    left, right = union(a), union(b)
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        start, end = max(left[i].start, right[j].start), min(left[i].end, right[j].end)
        if end > start:
            out.append(Span(start, end))
        if left[i].end < right[j].end:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """Time covered by ``a`` and not by ``b``."""
    out: list[Span] = []
    holes = union(b)
    for span in union(a):
        start = span.start
        for hole in holes:
            if hole.end <= start or hole.start >= span.end:
                continue
            if hole.start > start:
                out.append(Span(start, hole.start))
            start = max(start, hole.end)
        if start < span.end:
            out.append(Span(start, span.end))
    return out


def total_seconds(spans: Iterable[Span]) -> float:
    """Length of the time covered (overlaps counted once)."""
    return sum(s.seconds for s in union(spans))
