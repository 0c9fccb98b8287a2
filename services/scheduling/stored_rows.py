"""Plan rows inside stored events: a JSON array of the row's fields, in field order.

Every other scheduling value is stored as a JSON object of its fields (kit.stored_values).
Plan rows are the bulk of what scheduling writes (a chain's plan holds ~280,000 of them, all
written in a first publication and read on every rebuild): as arrays they take ~45 % fewer
bytes than as objects, encode in a third of the time and decode in three quarters of it.
The field order is a stored contract: a new field goes last, with a default.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from eventsourcing.persistence import Transcoding

from services.scheduling.domain.values import PlanRow

NAME = "scheduling.plan_row"


class PlanRowAsArray(Transcoding):
    type = PlanRow
    name = NAME
    _fields = attrgetter(*(f.name for f in fields(PlanRow)))

    def encode(self, obj: PlanRow) -> tuple[Any, ...]:
        return self._fields(obj)

    def decode(self, data: list[Any]) -> PlanRow:
        return PlanRow(*data)
