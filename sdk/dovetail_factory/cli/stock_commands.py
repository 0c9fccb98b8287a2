"""`dovetail-factory stock …`: the factory's boards, receipts and counts, this shift's cutting
batches, and a batch's diagrams and cut list written to files (issue 20)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich import box
from rich.table import Table

from dovetail_factory.cli import config
from dovetail_factory.cli.views import in_zone, when
from dovetail_factory.errors import InvalidRequest, Violation
from dovetail_factory.i18n import N_, _
from dovetail_factory.stock import Batch, BatchDetail, BoardKind, Stock


def _profile(args: argparse.Namespace) -> config.Profile:
    return config.load(args.target, args.iot_target, args.configurator_target)


def _kind(args: argparse.Namespace) -> BoardKind:
    try:
        return BoardKind.parse_size(args.material, args.thickness, args.decor or "", args.size)
    except ValueError:
        raise InvalidRequest("", [Violation.of(
            "size", N_("must be a sheet size such as 2800x2070, not %(size)s"), size=args.size)],
        ) from None


def stock_table(stock: Stock) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=_("Boards at %(factory)s", factory=stock.factory_id))
    for column in (
        _("board"),
        _("on hand"),
        _("reserved"),
        _("available"),
        _("on order"),
        _("expected"),
    ):
        table.add_column(
            column, justify="left" if column in (_("board"), _("expected")) else "right"
        )
    for line in stock.lines:
        style = "red" if line.available < 0 else ""
        table.add_row(
            str(line.kind),
            str(line.on_hand),
            str(line.reserved),
            f"[{style}]{line.available}[/]" if style else str(line.available),
            str(line.on_order),
            line.next_expected or "-",
        )
    return table


def shortage_lines(stock: Stock) -> list[str]:
    """What the planned batches wait for, in words."""
    out = []
    for s in stock.shortages:
        if s.to_order:
            out.append(
                _(
                    "%(board)s: %(n)s sheets short, %(buy)s more to order (needed %(day)s)",
                    board=s.kind,
                    n=s.short,
                    buy=s.to_order,
                    day=s.needed_by or _("now"),
                )
            )
        elif s.waits:
            out.append(
                _(
                    "%(board)s: %(n)s sheets short, a batch waits until %(day)s",
                    board=s.kind,
                    n=s.short,
                    day=s.covered_on,
                )
            )
    return out


def batches_table(batches: list[Batch], title: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=in_zone(title))
    for column in (
        _("batch"),
        _("orders"),
        _("new boards"),
        _("offcuts used"),
        _("offcuts kept"),
        _("yield"),
        _("nested"),
        _("state"),
    ):
        table.add_column(column)
    for b in batches:
        table.add_row(
            b.batch,
            str(len(b.order_ids)),
            str(b.new_boards),
            str(b.offcuts_used),
            str(b.offcuts_kept),
            f"{b.yield_percent:.1f} %",
            when(b.nested_at),
            _("holding boards") if b.holding else _("cut"),
        )
    return table


def boards_table(detail: BatchDetail) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        title=_("Boards of batch %(batch)s", batch=detail.batch.batch if detail.batch else ""),
    )
    for column in (
        _("board"),
        _("material"),
        _("sheet"),
        _("parts"),
        _("yield"),
        _("offcuts kept"),
    ):
        table.add_column(column)
    for b in detail.boards:
        sheet = f"{b.length_mm}×{b.width_mm}" + (
            " " + _("(offcut %(id)s)", id=b.from_offcut) if b.from_offcut else ""
        )
        table.add_row(
            str(b.number),
            b.material,
            sheet,
            str(b.parts),
            f"{b.yield_percent:.1f} %",
            ", ".join(b.offcuts_kept) or "-",
        )
    return table


def write_batch(detail: BatchDetail, folder: str) -> Path:
    """The batch's diagrams (board-N.svg) and cut list (cut-list.csv) into `folder`."""
    out = Path(folder).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    for board in detail.boards:
        (out / f"board-{board.number}.svg").write_text(board.svg, encoding="utf-8")
    (out / "cut-list.csv").write_text(detail.cut_list_csv, encoding="utf-8")
    return out


async def show(args: argparse.Namespace, io) -> int:
    async with _profile(args).client() as client:
        stock = await client.stock()
    if not stock.lines and not stock.offcuts:
        io.out.print(
            _(
                "No boards recorded at %(factory)s yet: record a receipt with "
                "`dovetail-factory stock receive`.",
                factory=stock.factory_id,
            )
        )
        return 0
    io.out.print(stock_table(stock))
    if stock.offcuts:
        io.out.print(_("%(n)s offcuts in stock.", n=len(stock.offcuts)))
    for line in shortage_lines(stock):
        io.out.print(line, markup=False)
    return 0


async def receive(args: argparse.Namespace, io) -> int:
    kind = _kind(args)
    async with _profile(args).client() as client:
        stock = await client.receive_boards(
            kind,
            args.quantity,
            purchase_ref=args.purchase_ref or "",
            note=args.note or "",
            key=args.key,
        )
    line = next((li for li in stock.lines if li.kind == kind), None)
    io.out.print(
        _(
            "Received %(n)s sheets of %(board)s: %(on_hand)s on hand.",
            n=args.quantity,
            board=kind,
            on_hand=line.on_hand if line else "?",
        ),
        markup=False,
    )
    return 0


async def count(args: argparse.Namespace, io) -> int:
    kind = _kind(args)
    async with _profile(args).client() as client:
        difference, _stock = await client.count_boards(kind, args.counted, note=args.note or "")
    io.out.print(
        _(
            "Counted %(n)s sheets of %(board)s (%(difference)s against what stock thought).",
            n=args.counted,
            board=kind,
            difference=f"{difference:+d}",
        ),
        markup=False,
    )
    return 0


async def batches(args: argparse.Namespace, io) -> int:
    async with _profile(args).client() as client:
        found = (await client.stock()).batches if args.all else await client.shift_batches()
    if not found:
        io.out.print(
            _("No cutting batches this shift.") if not args.all else _("No cutting batches yet.")
        )
        return 0
    io.out.print(
        batches_table(
            found, _("All cutting batches") if args.all else _("This shift's cutting batches")
        )
    )
    return 0


async def batch(args: argparse.Namespace, io) -> int:
    async with _profile(args).client() as client:
        detail = await client.batch(args.batch, diagrams=bool(args.out))
    io.out.print(boards_table(detail))
    if args.out:
        out = await asyncio.to_thread(write_batch, detail, args.out)
        io.out.print(
            _(
                "Wrote %(n)s cutting diagrams and the cut list (%(parts)s parts) to %(dir)s.",
                n=len(detail.boards),
                parts=len(detail.parts),
                dir=out,
            ),
            markup=False,
        )
    return 0


def add_parser(sub, connection_flags) -> None:
    """The `stock` command and its actions."""
    p = sub.add_parser("stock", help=_("board stock: list, receipts, counts, cutting batches"))
    ssub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = ssub.add_parser("list", help=_("boards on hand, reserved and on order; what is short"))
    connection_flags(s)
    s.set_defaults(run=show)
    for name, run, help_text in (
        ("receive", receive, _("record sheets received")),
        ("count", count, _("record a stocktake of one board")),
    ):
        s = ssub.add_parser(name, help=help_text)
        connection_flags(s)
        s.add_argument("--material", required=True, help=_("board code, e.g. particleboard-18"))
        s.add_argument("--thickness", type=float, required=True, help=_("mm"))
        s.add_argument("--decor", default="", help=_("finish code ('' for a raw board)"))
        s.add_argument("--size", required=True, help=_("sheet size, e.g. 2800x2070"))
        s.add_argument("--note")
        if name == "receive":
            s.add_argument("--quantity", type=int, required=True, help=_("sheets received"))
            s.add_argument("--purchase-ref", help=_("the purchase these sheets arrive against"))
            s.add_argument("--key", help=_("reuse the key of an earlier attempt to retry it"))
        else:
            s.add_argument("--counted", type=int, required=True, help=_("sheets counted"))
        s.set_defaults(run=run)
    s = ssub.add_parser("batches", help=_("this shift's cutting batches"))
    connection_flags(s)
    s.add_argument("--all", action="store_true", help=_("every batch, not just this shift's"))
    s.set_defaults(run=batches)
    s = ssub.add_parser("batch", help=_("a batch's boards; its diagrams and cut list to files"))
    connection_flags(s)
    s.add_argument("batch")
    s.add_argument("--out", help=_("write board-N.svg and cut-list.csv into this folder"))
    s.set_defaults(run=batch)
