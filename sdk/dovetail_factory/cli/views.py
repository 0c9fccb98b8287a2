"""What the command line shows: tables of machines and of what to make next."""

from __future__ import annotations

from datetime import UTC, datetime

from rich import box
from rich.table import Table

from dovetail_factory.book import AssignmentBook
from dovetail_factory.i18n import N_, _, local, zone
from dovetail_factory.models import AssignmentChange, Machine, MachineStatus, ScheduledOperation

STATE_STYLE = {"RUNNING": "green", "IDLE": "cyan", "OFF": "dim", "OVERLOAD": "yellow",
               "DOWN": "bold red", "OFFLINE": "red"}


STATE_WORDS = {"RUNNING": N_("RUNNING"), "IDLE": N_("IDLE"), "OFF": N_("OFF"),
               "OVERLOAD": N_("OVERLOAD"), "DOWN": N_("DOWN"), "OFFLINE": N_("OFFLINE"),
               "UNSPECIFIED": N_("NO DATA"), "PLANNED": N_("PLANNED"), "STARTED": N_("STARTED"),
               "FINISHED": N_("FINISHED"), "SCRAPPED": N_("SCRAPPED"), "ON_TIME": N_("ON_TIME"),
               "AT_RISK": N_("AT_RISK"), "LATE": N_("LATE")}


# machine types as the wire spells them (lower case) -> as people call them
TYPE_WORDS = {"panel_saw": N_("panel saw"), "edge_bander": N_("edge bander"),
              "cnc_drill": N_("CNC drill"), "cnc_router": N_("CNC router"),
              "sander": N_("sander"), "paint_line": N_("paint line"),
              "assembly": N_("assembly"), "packing": N_("packing")}


def kind(machine_type: str) -> str:
    """A machine type in the reader's language; one this CLI does not know reads as sent."""
    return _(TYPE_WORDS[machine_type]) if machine_type in TYPE_WORDS else machine_type


def word(value: str) -> str:
    """A state, status or risk in the reader's language (as the wire spells it in English)."""
    return _(STATE_WORDS[value]) if value in STATE_WORDS else value


def in_zone(title: str) -> str:
    """A table's title naming the zone its times are in (not in the columns: the table keeps
    its width for the ids)."""
    return title + "  ·  " + _("times in %(zone)s", zone=zone())


def when(at: datetime | None) -> str:
    if at is None:
        return "-"
    return local(at).strftime("%m-%d %H:%M")


def ago(at: datetime | None) -> str:
    if at is None:
        return "-"
    seconds = int((datetime.now(UTC) - at).total_seconds())
    if seconds < 120:
        return _("%(n)s s ago", n=max(0, seconds))
    if seconds < 7200:
        return _("%(n)s min ago", n=seconds // 60)
    return _("%(n)s h ago", n=seconds // 3600)


def minutes(seconds: int) -> str:
    return _("%(n)s min", n=f"{seconds / 60:.0f}") if seconds < 5400 else \
        _("%(n)s h", n=f"{seconds / 3600:.1f}")


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
        kw += " [yellow]" + _("(stopping?)") + "[/]"
    elif s.state == "OFF" and s.power_kw > max(0.1 * rated_kw, 0.5):
        kw += " [yellow]" + _("(starting?)") + "[/]"
    return f"{s.current_amperes:.1f}", kw


def machines_table(machines: list[Machine], live: dict[str, MachineStatus] | None = None) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=_("Machines"),
                  caption=_("amps and kW: the last sample; the state follows once it has held"))
    for column in (_("machine"), _("type"), _("state"), _("since"), _("amps"), "kW",
                   _("available"), _("note")):
        table.add_column(column, justify="right" if column in (_("amps"), "kW") else "left")
    for m in sorted(machines, key=lambda m: m.machine_id):
        s = (live or {}).get(m.machine_id) or m.status
        if s is None:
            table.add_row(m.machine_id, kind(m.machine_type), "?", "-", "-", "-", "-", "")
            continue
        state = word(s.state)
        table.add_row(m.machine_id, kind(m.machine_type),
                      f"[{STATE_STYLE.get(s.state, '')}]{state}[/]" if s.state in STATE_STYLE
                      else state,
                      ago(s.since), *power_cells(s, m.rated_power_kw),
                      _("yes") if s.available else _("no"),
                      s.reason_said() + (" " + _("(planned stop)") if s.in_planned_stop
                                           else ""))
    return table


def next_work_table(book: AssignmentBook, link: str = "") -> Table:
    """Per machine: what to make next, and how much more is queued."""
    title = in_zone(_("What to make next")) + (
        "  ·  " + _("link: %(link)s", link=link) if link else "")
    table = Table(box=box.SIMPLE_HEAD, title=title,
                  caption=_("feed sequence %(n)s, %(held)s held", n=book.sequence,
                            held=len(book.held)))
    for column in (_("machine"), _("operation"), _("order"), _("step"), _("status"),
                   _("planned start"), _("duration"), _("risk"), _("queued")):
        table.add_column(column)
    for machine_id in book.machines():
        queue = book.queue(machine_id)
        if not queue:
            table.add_row(machine_id, "[dim]" + _("nothing to make") + "[/]", "", "", "", "", "",
                          "", "0")
            continue
        a = queue[0]
        table.add_row(machine_id, a.operation_id, a.order_id[:8], str(a.seq), word(a.status),
                      when(a.planned_start), minutes(a.duration_seconds), word(a.risk) or "-",
                      str(len(queue) - 1))
    return table


def schedule_table(rows: list[ScheduledOperation], everything: bool = False) -> Table:
    """Per machine the head of its queue (or, with `everything`, the whole queue)."""
    table = Table(box=box.SIMPLE_HEAD, title=in_zone(_("What to make next (current plan)")))
    for column in (_("machine"), _("operation"), _("order"), _("step"), _("status"),
                   _("planned start"), _("end"), _("risk"), _("queued")):
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
                          str(a.seq), word(a.status), when(a.start), when(a.end),
                          word(a.risk) or "-",
                          str(len(queue) - 1) if not place else "")
    return table


def change_line(change: AssignmentChange) -> str:
    a = change.assignment
    line = _("#%(n)s %(kind)s %(operation)s on %(machine)s [%(status)s] start %(start)s "
             "(%(zone)s), %(duration)s", n=change.sequence, kind=f"{change.kind.lower():<11}",
             operation=a.operation_id, machine=a.machine_id, status=word(a.status).lower(),
             start=when(a.planned_start), zone=zone(), duration=minutes(a.duration_seconds))
    return line + ("" if change.live else " " + _("(catch-up)"))
