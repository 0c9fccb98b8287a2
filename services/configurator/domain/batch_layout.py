"""A cutting batch's layout, kept (issue 20, item 2): every board of the batch with each part
where it lies (and the order it belongs to), the cuts, and the offcuts the batch keeps.

Stored, not nested again: nesting depends on the offcuts in stock and the catalogue at the
moment the batch was nested, and the saw must cut what was reserved. Diagrams, cut lists and
labels are rendered from this record, so the same URL gives the same picture tomorrow.
One `BatchLayout` aggregate per factory and batch (a `uuid5` id), saved in the same
transaction as the stock that reserves the batch's boards. Pure: no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from services.configurator.catalogue.cut_plan import BoardLayout, Cut, Part, Placement
from services.configurator.catalogue.cutting_batch import CuttingBatch
from services.configurator.catalogue.model import SheetSize
from services.kit.errors import DomainError

LAYOUT_NAMESPACE = uuid.UUID("0d3e51c4-5a8f-4d7b-9f26-3c1b7e0a9d42")


class BatchUnknown(DomainError):
    """No batch of that id was nested at the factory."""


def batch_layout_id(factory_id: str, batch: str) -> uuid.UUID:
    return uuid.uuid5(LAYOUT_NAMESPACE, f"batch-layout:{factory_id}/{batch}")


@dataclass(frozen=True)
class LaidPart:
    """A part on a board: its order (id and the short ref on its label), what it is, where."""

    order_id: str
    order_ref: str
    panel: str
    label: str
    length_mm: float
    width_mm: float
    thickness_mm: float
    material: str
    grain: str
    edges: str
    x_mm: float
    y_mm: float
    along_mm: float
    across_mm: float
    rotated: bool


@dataclass(frozen=True)
class LaidCut:
    step: int
    stage: int
    direction: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class KeptOffcut:
    """A remnant the batch cuts free and keeps in stock (its stock id), where it lies."""

    offcut_id: str
    x_mm: float
    y_mm: float
    length_mm: float
    width_mm: float


@dataclass(frozen=True)
class LaidBoard:
    """One board of the batch: a new sheet, or an offcut of stock (`from_offcut`)."""

    number: int
    material: str
    thickness_mm: float
    length_mm: float
    width_mm: float
    trim_mm: float
    kerf_mm: float
    from_offcut: str
    parts: tuple[LaidPart, ...]
    cuts: tuple[LaidCut, ...]
    offcuts: tuple[KeptOffcut, ...]

    def layout(self) -> BoardLayout:
        """The catalogue's layout of this board (what its diagrams are drawn from)."""
        return BoardLayout(
            self.material,
            self.number,
            SheetSize(self.length_mm, self.width_mm),  # type: ignore[arg-type]
            self.trim_mm,
            self.kerf_mm,
            tuple(
                Placement(
                    Part(
                        p.order_ref,
                        p.panel,
                        p.label,
                        p.length_mm,
                        p.width_mm,
                        p.thickness_mm,
                        p.material,
                        p.grain,
                        p.edges,
                    ),
                    p.x_mm,
                    p.y_mm,
                    p.along_mm,
                    p.across_mm,
                    p.rotated,
                )
                for p in self.parts
            ),
            tuple(Cut(c.step, c.stage, c.direction, c.x1, c.y1, c.x2, c.y2) for c in self.cuts),
        )


STORED_VALUES = {
    LaidPart: "laid_part",
    LaidCut: "laid_cut",
    KeptOffcut: "kept_offcut",
    LaidBoard: "laid_board",
}


def laid_boards(cut: CuttingBatch, order_ids: list[str], ref_of) -> tuple[LaidBoard, ...]:
    """The batch's boards as kept, numbered through the batch; `ref_of(order_id)` is the
    short ref an order's labels carry. Kept offcuts are named as stock names them
    (`<batch>/o<n>` in board order, `board_stock.batch_effects`)."""
    order_of = {ref_of(order_id): order_id for order_id in order_ids}
    boards, kept = [], 0
    for number, b in enumerate(cut.boards, start=1):
        layout = b.layout
        offcuts = []
        for o in b.offcuts:
            kept += 1
            offcuts.append(
                KeptOffcut(f"{cut.batch}/o{kept}", o.at_mm[0], o.at_mm[1], o.length_mm, o.width_mm)
            )
        boards.append(
            LaidBoard(
                number,
                layout.material,
                layout.placements[0].part.thickness_mm if layout.placements else 0.0,
                float(layout.sheet.length_mm),
                float(layout.sheet.width_mm),
                layout.trim_mm,
                layout.kerf_mm,
                b.from_offcut.source if b.from_offcut else "",
                tuple(
                    LaidPart(
                        order_of.get(p.part.order, p.part.order),
                        p.part.order,
                        p.part.panel,
                        p.part.label,
                        p.part.length_mm,
                        p.part.width_mm,
                        p.part.thickness_mm,
                        p.part.material,
                        p.part.grain,
                        p.part.edges,
                        p.x_mm,
                        p.y_mm,
                        p.along_mm,
                        p.across_mm,
                        p.rotated,
                    )
                    for p in layout.placements
                ),
                tuple(
                    LaidCut(c.step, c.stage, c.direction, c.x1, c.y1, c.x2, c.y2)
                    for c in layout.cuts
                ),
                tuple(offcuts),
            )
        )
    return tuple(boards)


class BatchLayout(Aggregate):
    """What a factory's cutting batch cuts, board by board, as it was nested."""

    @staticmethod
    def create_id(
        factory_id: str, batch: str, nested_at: str, boards: tuple[LaidBoard, ...]
    ) -> uuid.UUID:
        return batch_layout_id(factory_id, batch)

    @event("Recorded")
    def __init__(
        self, factory_id: str, batch: str, nested_at: str, boards: tuple[LaidBoard, ...]
    ) -> None:
        self.factory_id = factory_id
        self.batch = batch
        self.nested_at = nested_at
        self.boards = tuple(boards)

    @property
    def parts(self) -> list[tuple[LaidBoard, LaidPart]]:
        """Every part with its board, in the order they come off the saw."""
        return [(board, part) for board in self.boards for part in board.parts]
