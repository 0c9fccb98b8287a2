"""Shared vocabulary of the sheet packers, in whole tenths of a millimetre.

Packers work in "padded" units: every piece is enlarged by one saw kerf on its far sides
and the usable sheet by one kerf, so pieces packed edge to edge end up exactly one kerf
apart and the last one ends exactly at the trim line. Sheet length runs along x (the
grain of a board runs that way too); a cut along x is a rip, a cut along y a cross cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PieceTooLarge(ValueError):
    """A piece does not fit an empty sheet in any allowed orientation."""


@dataclass(slots=True)
class Piece:
    key: int  # the caller's index
    w: int  # x-extent (along the sheet's length) when not rotated, padded
    h: int
    rotatable: bool


@dataclass(slots=True)
class Spot:
    key: int
    x: int
    y: int
    w: int  # padded extents as placed
    h: int
    rotated: bool


@dataclass(slots=True)
class Slit:
    """A guillotine cut: `vertical` cuts run along y (cross cuts), others along x (rips).

    `pos` is the padded coordinate just past the piece's kerf; the kerf itself is the
    `kerf` units before `pos`. `depth` is how many cuts deep its stock was when cut.
    """

    depth: int
    vertical: bool
    pos: int
    start: int
    end: int


@dataclass(slots=True)
class PackedSheet:
    w: int
    h: int
    spots: list[Spot] = field(default_factory=list)
    slits: list[Slit] = field(default_factory=list)

    @property
    def used(self) -> int:
        return sum(s.w * s.h for s in self.spots)


def check_fits(piece: Piece, w: int, h: int) -> None:
    fits = (piece.w <= w and piece.h <= h) or (piece.rotatable and piece.h <= w and piece.w <= h)
    if not fits:
        raise PieceTooLarge(f"piece {piece.key} ({piece.w}×{piece.h}) does not fit {w}×{h}")
