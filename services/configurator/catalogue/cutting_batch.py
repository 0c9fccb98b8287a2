"""Cutting batches: a shift's saw work nested across every order that shares a material.

Parts of many orders that share a material (board and decor) and thickness go onto the same
boards; usable offcuts left by earlier batches are filled first; the remnants of this batch
above a usable size are cut free and recorded as offcuts; each order is charged its share of
the boards by panel area (issue 20, items 2, 3 and 5). Pure: plain data in, plain data out.

An offcut keeps its parent board's orientation: its `length_mm` runs along the parent's
length, so a grained part on it still runs with the grain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations

from services.kit.words import N_, Words

from .cut_plan import BoardLayout, Cut, MaterialNesting, Part
from .model import Catalogue, SheetSize
from .nesting import NestingSettings, nest_parts
from .pricing import PriceLine, money

EPS = 1e-6


class BatchCannotBeNested(ValueError):
    """Why a batch cannot be nested, as words people read (kit/words.py); str() the English."""

    def __init__(self, words: Words):
        super().__init__(words.english())
        self.words = words


class NoSheetsForMaterial(BatchCannotBeNested):
    """The factory offers no sheet size for a material the batch needs."""


class PartFitsNoSheet(BatchCannotBeNested):
    """A part is larger than every sheet size of its material (within the trim)."""


@dataclass(frozen=True)
class OffcutRule:
    """An offcut is kept when its short side reaches `min_width_mm` and its long side
    `min_length_mm`; anything smaller is scrap."""

    min_length_mm: float = 600.0
    min_width_mm: float = 300.0

    def keeps(self, length_mm: float, width_mm: float) -> bool:
        short, long = sorted((length_mm, width_mm))
        return short >= self.min_width_mm - EPS and long >= self.min_length_mm - EPS


@dataclass(frozen=True)
class Offcut:
    """A remnant in stock: already edged by the saw, so it is nested without trim."""

    material: str
    thickness_mm: float
    length_mm: float  # along the parent board's length (its grain)
    width_mm: float
    source: str  # the batch and board it was cut from
    at_mm: tuple[float, float] = (0.0, 0.0)  # its corner on that board (x along, y across)

    @property
    def area_m2(self) -> float:
        return self.length_mm * self.width_mm / 1e6


@dataclass(frozen=True)
class BatchBoard:
    """One board of the batch: a new sheet, or an offcut from stock (`from_offcut`)."""

    layout: BoardLayout
    from_offcut: Offcut | None
    offcuts: tuple[Offcut, ...]  # remnants cut free from this board, kept for later batches
    offcut_cuts: tuple[Cut, ...]  # the cuts that free them (also in the layout's cuts)

    @property
    def board_m2(self) -> float:
        return self.layout.sheet_area_m2

    @property
    def charged_m2(self) -> float:
        """What the board's panels pay for: the board less the remnants it returns to stock."""
        return self.board_m2 - sum(o.area_m2 for o in self.offcuts)


@dataclass(frozen=True)
class OrderShare:
    """An order's part of a batch: its panels, the board area it is charged (waste shared
    by panel area on each board) and the same as a number of boards."""

    order: str
    panel_m2: float
    board_m2: float
    boards: float


@dataclass(frozen=True)
class MaterialBatch:
    material: str
    thickness_mm: float
    boards: tuple[BatchBoard, ...]

    @property
    def shares(self) -> tuple[OrderShare, ...]:
        """Each order's share of this material's boards."""
        return _shares(self.boards)


@dataclass(frozen=True)
class CuttingBatch:
    batch: str
    materials: tuple[MaterialBatch, ...]
    shares: tuple[OrderShare, ...]

    @property
    def boards(self) -> tuple[BatchBoard, ...]:
        return tuple(b for m in self.materials for b in m.boards)

    @property
    def new_boards(self) -> int:
        return sum(1 for b in self.boards if b.from_offcut is None)

    @property
    def new_board_m2(self) -> float:
        return sum(b.board_m2 for b in self.boards if b.from_offcut is None)

    @property
    def offcuts_used(self) -> tuple[Offcut, ...]:
        return tuple(b.from_offcut for b in self.boards if b.from_offcut is not None)

    @property
    def offcuts(self) -> tuple[Offcut, ...]:
        return tuple(o for b in self.boards for o in b.offcuts)

    @property
    def panel_m2(self) -> float:
        return sum(b.layout.panel_area_m2 for b in self.boards)

    @property
    def yield_pct(self) -> float:
        """Panel area over the area of the boards and offcuts cut (the per-order measure)."""
        used = sum(b.board_m2 for b in self.boards)
        return 100 * self.panel_m2 / used if used else 0.0

    @property
    def net_yield_pct(self) -> float:
        """As `yield_pct`, less the offcuts this batch returns to stock."""
        used = sum(b.charged_m2 for b in self.boards)
        return 100 * self.panel_m2 / used if used else 0.0


def nest_batch(
    batch: str,
    parts: Sequence[Part],
    sheets_for: Mapping[str, Sequence[SheetSize]],
    settings: NestingSettings,
    offcuts: Sequence[Offcut] = (),
    rule: OffcutRule | None = None,
) -> CuttingBatch:
    """Nest the parts of many orders by material group, offcuts of the group first, then new
    sheets of the sizes `sheets_for[material]`; record the remnants `rule` keeps."""
    rule = rule or OffcutRule()
    groups: dict[tuple[str, float], list[Part]] = {}
    for part in parts:
        groups.setdefault((part.material, part.thickness_mm), []).append(part)
    materials = []
    for (material, thickness), group in sorted(groups.items()):
        if not sheets_for.get(material):
            raise NoSheetsForMaterial(Words.of(N_("no sheet size is offered for %(material)s"),
                                               material=material))
        _check_sizes(group, sheets_for[material], settings.trim_mm)
        stock = [o for o in offcuts if o.material == material and o.thickness_mm == thickness]
        layouts, remaining = _fill_offcuts(group, stock, settings)
        layouts += [(b, None) for b in _new_boards(remaining, sheets_for[material], settings)]
        boards = tuple(
            _with_offcuts(replace(layout, number=n), source, f"{batch}/{material}/{n}", rule)
            for n, (layout, source) in enumerate(layouts, start=1)
        )
        materials.append(MaterialBatch(material, thickness, boards))
    return CuttingBatch(batch, tuple(materials), _shares([b for m in materials for b in m.boards]))


def _fill_offcuts(
    parts: list[Part], stock: list[Offcut], settings: NestingSettings
) -> tuple[list[tuple[BoardLayout, Offcut | None]], list[Part]]:
    """Each offcut, largest first, takes the fullest layout of the parts that fit it."""
    layouts: list[tuple[BoardLayout, Offcut | None]] = []
    remaining = list(parts)
    uncut = replace(settings, trim_mm=0.0)
    for offcut in sorted(stock, key=lambda o: (-o.area_m2, o.source)):
        size = SheetSize(offcut.length_mm, offcut.width_mm)  # type: ignore[arg-type]
        fitting = [p for p in remaining if _fits(p, offcut)]
        if not fitting:
            continue
        plan = nest_parts(fitting, {offcut.material: (size,)}, uncut)
        fullest = max(plan.boards, key=lambda b: (b.panel_area_m2, -b.number))
        placed = Counter(id(p.part) for p in fullest.placements)  # objects of `fitting`
        kept = []
        for part in remaining:
            if placed[id(part)] > 0:
                placed[id(part)] -= 1
            else:
                kept.append(part)
        remaining = kept
        layouts.append((fullest, offcut))
    return layouts, remaining


def _check_sizes(parts: Sequence[Part], sizes: Sequence[SheetSize], trim: float) -> None:
    for part in parts:
        if not any(
            _fits(part, Offcut(part.material, 0, s.length_mm - 2 * trim, s.width_mm - 2 * trim, ""))
            for s in sizes
        ):
            raise PartFitsNoSheet(Words.of(
                N_("%(label)s (%(panel)s, %(length)s×%(width)s mm, grain %(grain)s) fits no "
                   "%(material)s sheet"),
                label=part.label, panel=part.panel, length=f"{part.length_mm:g}",
                width=f"{part.width_mm:g}", grain=part.grain, material=part.material))


def _fits(part: Part, offcut: Offcut) -> bool:
    along = part.length_mm <= offcut.length_mm + EPS and part.width_mm <= offcut.width_mm + EPS
    across = part.width_mm <= offcut.length_mm + EPS and part.length_mm <= offcut.width_mm + EPS
    return along or (part.grain == "none" and across)


def _new_boards(
    parts: list[Part], sizes: Sequence[SheetSize], settings: NestingSettings
) -> tuple[BoardLayout, ...]:
    """The group on new sheets: all orders together, unless nesting each order on its own
    happens to use less board (then that), so a batch never costs more than separate orders."""
    if not parts:
        return ()
    material = parts[0].material
    together = _squeeze(nest_parts(parts, {material: sizes}, settings).boards, sizes, settings)
    by_order: dict[str, list[Part]] = {}
    for part in parts:
        by_order.setdefault(part.order, []).append(part)
    if len(by_order) == 1:
        return together
    apart = tuple(
        board
        for group in by_order.values()
        for board in nest_parts(group, {material: sizes}, settings).boards
    )
    return min((together, apart), key=lambda boards: (_area(boards), len(boards)))


def _squeeze(
    boards: Sequence[BoardLayout],
    sizes: Sequence[SheetSize],
    settings: NestingSettings,
    window: int = 8,
    most: int = 4,
    steps: int = 200,
) -> tuple[BoardLayout, ...]:
    """Re-nest the parts of the emptiest board with one to `most - 1` others of the `window`
    emptiest, and keep a re-nesting that uses less board, or as much but empties its emptiest
    board further (waste gathered on one board until that board's parts fit elsewhere);
    until none does, at most `steps` times.

    One pass of the packer decides every board with the same greedy rule; pooling a few
    boards' parts gives it a second chance where the batch's board count is decided."""
    current = list(boards)
    for _ in range(steps):
        if len(current) < 2:
            break
        emptiest = sorted(range(len(current)), key=lambda i: current[i].panel_area_m2)[:window]
        better = None
        for k in range(2, min(most, len(emptiest)) + 1):
            for others in combinations(emptiest[1:], k - 1):
                chosen = (emptiest[0], *others)
                old = [current[i] for i in chosen]
                pool = [p.part for board in old for p in board.placements]
                new = nest_parts(pool, {old[0].material: sizes}, settings).boards
                if _fullness(new) < _fullness(old):
                    better = (chosen, new)
                    break
            if better:
                break
        if better is None:
            break
        chosen, new = better
        current = [b for i, b in enumerate(current) if i not in chosen] + list(new)
    return tuple(current)


def _fullness(boards: Sequence[BoardLayout]) -> tuple[float, int, float]:
    """Less board first, then fewer boards, then the emptier emptiest board."""
    return (round(_area(boards), 6), len(boards), min(b.panel_area_m2 for b in boards))


def _area(boards: Sequence[BoardLayout]) -> float:
    return sum(b.sheet_area_m2 for b in boards)


def _with_offcuts(
    layout: BoardLayout, source: Offcut | None, name: str, rule: OffcutRule
) -> BatchBoard:
    """Cut the empty far strips free when the rule keeps one: across the board past the
    last part and along it above the highest part, in whichever order keeps more."""
    t, k = layout.trim_mm, layout.kerf_mm
    length, width = layout.sheet.length_mm - t, layout.sheet.width_mm - t
    x_end = max(p.x_mm + p.along_mm for p in layout.placements)
    y_end = max(p.y_mm + p.across_mm for p in layout.placements)
    # (direction, line, offcut origin and size) for each strip, in cutting order
    cross_first = [
        ("cross", (x_end, t, x_end, width), (x_end + k, t, length - x_end - k, width - t)),
        ("rip", (t, y_end, x_end, y_end), (t, y_end + k, x_end - t, width - y_end - k)),
    ]
    rip_first = [
        ("rip", (t, y_end, length, y_end), (t, y_end + k, length - t, width - y_end - k)),
        ("cross", (x_end, t, x_end, y_end), (x_end + k, t, length - x_end - k, y_end - t)),
    ]
    best = max((cross_first, rip_first), key=lambda strips: sum(_kept(s[2], rule) for s in strips))
    if sum(_kept(s[2], rule) for s in best) == 0:
        return BatchBoard(layout, source, (), ())
    strips = [s for s in best if s[2][2] > EPS and s[2][3] > EPS]
    offcut_cuts = tuple(Cut(0, 1, direction, *line) for direction, line, _ in strips)
    material_thickness = layout.placements[0].part.thickness_mm
    kept = tuple(
        Offcut(
            layout.material, material_thickness, size[2], size[3], f"{name}/{i}", (size[0], size[1])
        )
        for i, (_, _, size) in enumerate(strips, start=1)
        if _kept(size, rule)
    )
    keep_x = x_end if any(d == "cross" for d, _, _ in strips) else length
    keep_y = y_end if any(d == "rip" for d, _, _ in strips) else width
    cuts = _recut(layout.cuts, offcut_cuts, keep_x, keep_y)
    numbered_offcut_cuts = tuple(c for c in cuts if c.stage == 1)
    return BatchBoard(replace(layout, cuts=cuts), source, kept, numbered_offcut_cuts)


def _kept(strip: tuple[float, float, float, float], rule: OffcutRule) -> float:
    return strip[2] * strip[3] if rule.keeps(strip[2], strip[3]) else 0.0


def _recut(
    cuts: Sequence[Cut], offcut_cuts: Sequence[Cut], keep_x: float, keep_y: float
) -> tuple[Cut, ...]:
    """Trims, then the offcut cuts, then the layout's cuts clipped to what is kept (a cut
    running on into an offcut would spoil it), stages shifted one down, renumbered."""
    trims = [c for c in cuts if c.stage == 0]
    rest = []
    for c in cuts:
        if c.stage == 0:
            continue
        if c.direction == "cross":
            if c.x1 >= keep_x - EPS or c.y1 >= keep_y - EPS:
                continue
            rest.append(replace(c, stage=c.stage + 1, y2=min(c.y2, keep_y)))
        else:
            if c.y1 >= keep_y - EPS or c.x1 >= keep_x - EPS:
                continue
            rest.append(replace(c, stage=c.stage + 1, x2=min(c.x2, keep_x)))
    ordered = [*trims, *offcut_cuts, *rest]
    return tuple(replace(c, step=i) for i, c in enumerate(ordered, start=1))


def _shares(boards: Sequence[BatchBoard]) -> tuple[OrderShare, ...]:
    """Each board's charged area split among its orders by their panel area on it."""
    panel: dict[str, float] = {}
    charged: dict[str, float] = {}
    count: dict[str, float] = {}
    for board in boards:
        on_board = board.layout.panel_area_m2
        for p in board.layout.placements:
            share = p.part.area_m2 / on_board
            panel[p.part.order] = panel.get(p.part.order, 0.0) + p.part.area_m2
            charged[p.part.order] = charged.get(p.part.order, 0.0) + share * board.charged_m2
            count[p.part.order] = count.get(p.part.order, 0.0) + share
    return tuple(
        OrderShare(order, panel[order], charged[order], count[order]) for order in sorted(panel)
    )


def per_material(batch: CuttingBatch) -> tuple[MaterialNesting, ...]:
    """The batch's boards as the nesting's material groups (for cut lists and diagrams)."""
    return tuple(
        MaterialNesting(m.material, tuple(b.layout for b in m.boards)) for m in batch.materials
    )


def board_costs(batch: CuttingBatch, catalogue: Catalogue) -> dict[str, tuple[PriceLine, ...]]:
    """Each order's board lines from the batch it was cut in (issue 20, item 5): the board
    area it is charged (its panels' share of each board, less returned offcuts) at the
    material's price, instead of a yield assumed for the order alone."""
    lines: dict[str, list[PriceLine]] = {}
    for group in batch.materials:
        board_code, finish_code = group.material.split("/")
        unit = (
            catalogue.boards[board_code].cost_per_m2 + catalogue.finishes[finish_code].cost_per_m2
        )
        for share in group.shares:
            billed = Decimal(str(share.board_m2)).quantize(Decimal("0.001"))
            used = share.panel_m2 / share.board_m2 if share.board_m2 else 1.0
            lines.setdefault(share.order, []).append(
                PriceLine(
                    "boards",
                    group.material,
                    billed,
                    "m²",
                    unit,
                    money(billed * unit),
                    f"{share.panel_m2:.3f} m² of panels, {share.boards:.2f} boards of batch "
                    f"{batch.batch} at {used:.0%} yield",
                )
            )
    return {order: tuple(order_lines) for order, order_lines in lines.items()}
