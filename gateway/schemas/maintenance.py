"""Shapes of the maintenance API (issue 22): a machine's maintenance task, proposed before it is
expected to fail, accepted or moved by the factory, and reported done by it."""

from __future__ import annotations

import msgspec

from gateway.schemas.orders import WordsRead


class MaintenanceTaskRead(msgspec.Struct):
    task_id: str
    factory_id: str
    machine_id: str
    status: str  # proposed | accepted | done
    reason: str  # risk: wear foreseen by iot; tool: a tool's life
    explanation: list[str]  # in English, e.g. "cutting current up 18 % over 9 days"
    start: str  # RFC 3339, UTC
    end: str
    due_by: str  # a margin before the expected failure
    displaces: list[str]  # planned operations it cuts into (none in a gap)
    proposed_at: str
    decided_by: str
    decided_at: str | None
    stop_id: str
    done_by: str = ""  # who reported its work done
    done_at: str | None = None
    # explanation as words, line for line, for a client to say in its reader's language
    # (empty for a task proposed before words)
    explanation_words: list[WordsRead] = []


class MaintenanceListRead(msgspec.Struct):
    tasks: list[MaintenanceTaskRead]


class MoveBody(msgspec.Struct, forbid_unknown_fields=True):
    """The new start, RFC 3339 with its offset (e.g. 2026-12-08T02:00:00+08:00)."""

    start: str


class ToolLimitBody(msgspec.Struct, forbid_unknown_fields=True):
    """One tool type's life: the machine type that wears it, its unit ("m": metres of cut or
    edge band, "h": hours of work), its life, and how many shifts ahead to warn."""

    tool_type: str
    machine_type: str
    unit: str
    life: float
    warn_shifts: float = 2.0


class ToolLimitsBody(msgspec.Struct, forbid_unknown_fields=True):
    limits: list[ToolLimitBody]


class ToolUseRead(msgspec.Struct):
    machine_id: str
    tool_type: str
    used: float
    life: float


class FactoryToolsRead(msgspec.Struct):
    factory_id: str
    limits: list[ToolLimitBody]
    uses: list[ToolUseRead]
    set_by: str
    set_at: str | None
