"""Machines from a CSV file (pure: no I/O): every bad row named by its line and field, so a
factory fixes its file once and registers all of it — nothing is registered while any row is
bad. The rules are iot's own (services/iot/domain/registry.py: validate_machine); iot checks
them again when the rows are registered.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from gateway.i18n import gettext as _

COLUMNS = ("machine_id", "name", "machine_type", "speed_factor", "rated_power_kw",
           "batch_capacity")
REQUIRED = ("machine_id", "machine_type", "rated_power_kw")
MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ROWS = 500
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class MachineRow:
    line: int
    machine_id: str
    name: str
    machine_type: str
    speed_factor: float
    rated_power_kw: float
    batch_capacity: int


@dataclass(frozen=True)
class RowProblem:
    line: int  # the file's line number (the header is line 1); 0 for the file itself
    field: str
    message: str


def _number(text: str, default: float) -> float | None:
    if not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _row(line: int, cells: dict[str, str], problems: list[RowProblem]) -> MachineRow | None:
    def bad(field: str, message: str) -> None:
        problems.append(RowProblem(line, field, message))

    before = len(problems)
    machine_id = cells.get("machine_id", "").strip()
    if not ID_RE.match(machine_id):
        bad("machine_id", _("must be 1-64 letters, digits, '-' or '_'"))
    machine_type = cells.get("machine_type", "").strip().lower()
    if machine_type not in MACHINE_TYPES:
        bad("machine_type", _("must be one of %(types)s", types=", ".join(MACHINE_TYPES)))
    speed = _number(cells.get("speed_factor", ""), 1.0)
    if speed is None or not 0.1 <= speed <= 10:
        bad("speed_factor", _("must be a number from 0.1 to 10"))
    power = _number(cells.get("rated_power_kw", ""), 0.0)
    if power is None or not 0 < power <= 5000:
        bad("rated_power_kw", _("must be a number above 0 and at most 5000 (kW)"))
    batch_text = cells.get("batch_capacity", "").strip() or "0"
    batch = int(batch_text) if batch_text.isdigit() else -1
    if not 0 <= batch <= 1000:
        bad("batch_capacity", _("must be a whole number from 0 to 1000"))
    name = cells.get("name", "").strip() or machine_id
    if len(name) > 200:
        bad("name", _("must be at most 200 characters"))
    if len(problems) > before:
        return None
    return MachineRow(line, machine_id, name, machine_type, float(speed or 1.0),
                      float(power or 0.0), batch)


def read_machines(content: bytes) -> tuple[list[MachineRow], list[RowProblem]]:
    """The rows of a machines CSV and every problem found in it (rows only when none)."""
    if len(content) > MAX_BYTES:
        return [], [RowProblem(0, "file", _("is larger than 256 KB"))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowProblem(0, "file", _("is not UTF-8 text"))]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    problems = [RowProblem(1, column, _("column is missing from the header"))
                for column in REQUIRED if column not in header]
    problems += [RowProblem(1, column, _("is not a column this page takes"))
                 for column in header if column not in COLUMNS]
    if problems:
        return [], problems
    rows: list[MachineRow] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if None in cells:
            problems.append(RowProblem(line, "row", _("has more cells than the header")))
            continue
        if not any((v or "").strip() for v in cells.values()):
            continue  # a blank line
        row = _row(line, {k: v or "" for k, v in cells.items()}, problems)
        if row is None:
            continue
        if row.machine_id in seen:
            problems.append(RowProblem(line, "machine_id", _(
                "repeats line %(line)s", line=seen[row.machine_id])))
            continue
        seen[row.machine_id] = line
        rows.append(row)
        if len(rows) > MAX_ROWS:
            return [], [RowProblem(line, "file", _("has more than 500 machines"))]
    if not rows and not problems:
        problems.append(RowProblem(0, "file", _("has no machines")))
    return ([] if problems else rows), problems
