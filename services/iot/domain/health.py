"""A machine's health as its wear watch assessed it (issue 22), and when a new one is worth keeping.

Kept on the machine (`Machine.HealthAssessed`) and published to scheduling, which proposes
maintenance from it: a new assessment is worth it when the alarm is raised or cleared, the score
moves by `SCORE_STEP` points or more, or the failure horizon moves by a shift (`HORIZON_STEP_S`)
or more (appearing or going away counts). Smaller moves are the noise of an hourly estimate.

Each assessment says since when its watch learnt the baseline it judges against
(`baseline_from_ms`: the watch's first sample, or the maintenance it restarted from). Once
maintenance is reported done (`Maintenance`, `Machine.Maintained`), an assessment on an older
baseline is about the part that was changed: it is not kept, and the watch starts afresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.iot.signals.wear import MachineHealth
from services.iot.signals.wear_capture import MachineWear
from services.kit.words import Words

SCORE_STEP = 5.0
HORIZON_STEP_S = 8 * 3600.0


@dataclass(frozen=True)
class HealthAssessment:
    """One assessment: score 0 (failing) – 100 (as healthy as its baseline), the time to failure
    in seconds (inf: none foreseen), confidence 0–1, alarm, and the reasons in English words."""

    at_ms: int
    score: float
    horizon_s: float
    confidence: float
    alarm: bool
    explanation: tuple[str, ...] = ()
    baseline_from_ms: int = 0  # the watch judged against a baseline learnt from here on
    # the explanation as words people read, line for line (empty when kept before words)
    explanation_words: tuple[Words, ...] = ()

    def before(self, maintenance: Maintenance | None) -> bool:
        """Judged on a baseline learnt before `maintenance` (the part since changed)."""
        return maintenance is not None and self.baseline_from_ms < maintenance.at_ms

    @property
    def failure_expected_by_ms(self) -> int | None:
        """When the machine is expected to fail (None: no failure foreseen)."""
        if not math.isfinite(self.horizon_s):
            return None
        return self.at_ms + int(self.horizon_s * 1000)


@dataclass(frozen=True)
class Maintenance:
    """The machine's last maintenance reported done (scheduling's MaintenanceDone): when, by
    whom, which task."""

    task_id: str
    at_ms: int
    by: str


def worth_recording(previous: HealthAssessment | None, new: HealthAssessment) -> bool:
    """Whether `new` changes what the machine's health says enough to keep (and publish) it."""
    if previous is None or new.alarm != previous.alarm:
        return True
    if abs(new.score - previous.score) >= SCORE_STEP:
        return True
    old_h, new_h = previous.horizon_s, new.horizon_s
    if math.isfinite(old_h) != math.isfinite(new_h):
        return True
    return math.isfinite(new_h) and abs(new_h - old_h) >= HORIZON_STEP_S


def assessment_of(wear: MachineWear, health: MachineHealth) -> HealthAssessment | None:
    """A wear watch's health in real time; None while it has no baseline yet (nothing said)."""
    if not health.trends:
        return None
    return HealthAssessment(
        at_ms=int(wear.at_s(health) * 1000),
        score=health.score,
        horizon_s=wear.clock.horizon_s(health),
        confidence=health.confidence,
        alarm=health.alarm,
        explanation=health.explanation,
        explanation_words=health.explanation_words,
        baseline_from_ms=int(wear.since_s * 1000) if math.isfinite(wear.since_s) else 0,
    )
