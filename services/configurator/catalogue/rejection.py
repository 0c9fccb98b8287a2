"""Why a configuration cannot be built, in words a shop or designer can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codec import to_plain


@dataclass(frozen=True)
class Reason:
    """One failed rule: the option at fault, what is wrong, and what would fix it."""

    parameter: str
    message: str
    suggestion: str


@dataclass(frozen=True)
class Rejection:
    product: str
    catalogue_version: int
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


class ConfigurationRejected(ValueError):
    """Raised by callers that prefer an exception to a `Rejection` value."""

    def __init__(self, rejection: Rejection):
        self.rejection = rejection
        super().__init__("; ".join(r.message for r in rejection.reasons))


def mm(value: float) -> str:
    """A length as people read it on a drawing: 1,050 mm, 642.5 mm."""
    if abs(value - round(value)) < 0.05:
        return f"{round(value):,} mm"
    return f"{value:,.1f} mm"
