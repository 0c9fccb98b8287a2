"""What the command line shows: tables of machines and of what to make next."""

from __future__ import annotations

from datetime import UTC, datetime

from rich import box
from rich.table import Table

from dovetail_factory.book import AssignmentBook
from dovetail_factory.models import AssignmentChange, Machine, MachineStatus, ScheduledOperation

STATE_STYLE = {"RUNNING": "green", "IDLE": "cyan", "OFF": "dim", "OVERLOAD": "yellow",
               "DOWN": "bold red", "OFFLINE": "red"}


def when(at: datetime | None) -> str:
    if at is None:
        return "-"
    return at.astimezone().strftime("%m-%d %H:%M")


def ago(at: datetime | None) -> str:
    if at is None:
        return "-"
    seconds = int((datetime.now(UTC) - at).total_seconds())
    if seconds < 120:
        return f"{max(0, seconds)} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def minutes(seconds: int) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


POWERED = ("IDLE", "RUNNING", "OVERLOAD")
NO_SIGNAL = ("OFFLINE", "UNSPECIFIED")


def power_cells(s: MachineStatus, rated_kw: float) -> tuple[str, str]:
    """Amps and kW of the last sample, said beside a state they contradict. The state changes
    once the signal has held for a while (hysteresis), the sample is the latest second: a saw
    switched on draws its inrush while still OFF, a breaking one reads 0 kW while still
    RUNNING. An OFFLINE machine's last sample is old news: none is shown."""
    if s.state in NO_SIGNAL:
        return "-", "-"
    kw = f"{s.power_kw:.1f}"
    if s.state in POWERED and s.power_kw < max(0.01 * rated_kw, 0.05):
        kw += " [yellow](stopping?)[/]"
    elif s.state == "OFF" and s.power_kw > max(0.1 * rated_kw, 0.5):
        kw += " [yellow](starting?)[/]"
    return f"{s.current_amperes:.1f}", kw


def machines_table(machines: list[Machine], live: dict[str, MachineStatus] | None = None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="Machines",
                  caption="amps and kW: the last sample; the state follows once it has held")
    for column in ("machine", "type", "state", "since", "amps", "kW", "available", "note"):
        table.add_column(column, justify="right" if column in ("amps", "kW") else "left")
    for m in sorted(machines, key=lambda m: m.machine_id):
        s = (live or {}).get(m.machine_id) or m.status
        if s is None:
            table.add_row(m.machine_id, m.machine_type, "?", "-", "-", "-", "-", "")
            continue
        state = "NO DATA" if s.state == "UNSPECIFIED" else s.state
        table.add_row(m.machine_id, m.machine_type,
                      f"[{STATE_STYLE.get(s.state, '')}]{state}[/]" if s.state in STATE_STYLE
                      else state,
                      ago(s.since), *power_cells(s, m.rated_power_kw),
                      "yes" if s.available else "no",
                      s.reason + (" (planned stop)" if s.in_planned_stop else ""))
    return table


def next_work_table(book: AssignmentBook, link: str = "") -> Table:
    """Per machine: what to make next, and how much more is queued."""
    title = "What to make next" + (f"  ·  link: {link}" if link else "")
    table = Table(box=box.SIMPLE_HEAD, title=title,
                  caption=f"feed sequence {book.sequence}, {len(book.held)} held")
    for column in ("machine", "operation", "order", "step", "status", "planned start",
                   "duration", "risk", "queued"):
        table.add_column(column)
    for machine_id in book.machines():
        queue = book.queue(machine_id)
        if not queue:
            table.add_row(machine_id, "[dim]nothing to make[/]", "", "", "", "", "", "", "0")
            continue
        a = queue[0]
        table.add_row(machine_id, a.operation_id, a.order_id[:8], str(a.seq), a.status,
                      when(a.planned_start), minutes(a.duration_seconds), a.risk or "-",
                      str(len(queue) - 1))
    return table


def schedule_table(rows: list[ScheduledOperation], everything: bool = False) -> Table:
    """Per machine the head of its queue (or, with `everything`, the whole queue)."""
    table = Table(box=box.SIMPLE_HEAD, title="What to make next (current plan)")
    for column in ("machine", "operation", "order", "step", "status", "planned start", "end",
                   "risk", "queued"):
        table.add_column(column)
    by_machine: dict[str, list[ScheduledOperation]] = {}
    for row in rows:
        if row.status != "FINISHED":
            by_machine.setdefault(row.machine_id, []).append(row)
    for machine_id in sorted(by_machine):
        queue = sorted(by_machine[machine_id],
                       key=lambda r: (r.status != "STARTED", r.start or datetime.max, r.seq))
        for place, a in enumerate(queue if everything else queue[:1]):
            table.add_row(machine_id if not place else "", a.operation_id, a.order_id[:8],
                          str(a.seq), a.status, when(a.start), when(a.end), a.risk or "-",
                          str(len(queue) - 1) if not place else "")
    return table


def change_line(change: AssignmentChange) -> str:
    a = change.assignment
    return (f"#{change.sequence} {change.kind.lower():<11} {a.operation_id} on {a.machine_id} "
            f"[{a.status.lower()}] start {when(a.planned_start)}, {minutes(a.duration_seconds)}"
            + ("" if change.live else " (catch-up)"))
