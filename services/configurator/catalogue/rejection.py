"""Why a configuration cannot be built, in words a shop or designer can act on: each reason's
message and suggestion are words (services/kit/words.py), which the gateway says in the
reader's language; `message` and `suggestion` are their English."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.kit.words import N_, Words

from .codec import to_plain

# Fixes that each would do, said one after the other ("add a divider or choose 25 mm board").
EITHER = N_("%(first)s or %(rest)s")


@dataclass(frozen=True)
class Reason:
    """One failed rule: the option at fault, what is wrong, and what would fix it."""

    parameter: str
    message_words: Words
    suggestion_words: Words

    @property
    def message(self) -> str:
        return self.message_words.english()

    @property
    def suggestion(self) -> str:
        return self.suggestion_words.english()


def either(fixes: list[Words]) -> Words:
    """Fixes a person may choose between: "a or b or c"."""
    return Words.listing(fixes, EITHER)


def one_of(choices: Iterable[str]) -> Words:
    """The fix of a name not offered: the names that are (codes, as written)."""
    return Words.of(N_("choose one of: %(choices)s"), choices=", ".join(choices))


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
