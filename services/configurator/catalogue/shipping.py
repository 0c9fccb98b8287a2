"""How a piece ships: flat-packed parcels with weight and volume, for delivery planning."""

from __future__ import annotations

from dataclasses import dataclass

from .hardware import HardwareLine
from .model import Catalogue
from .panels import Panel


@dataclass(frozen=True)
class Parcel:
    length_mm: float
    width_mm: float
    height_mm: float
    weight_kg: float
    contents: str

    @property
    def volume_m3(self) -> float:
        return self.length_mm * self.width_mm * self.height_mm / 1e9


@dataclass(frozen=True)
class PackageEstimate:
    parcels: tuple[Parcel, ...]

    @property
    def weight_kg(self) -> float:
        return round(sum(p.weight_kg for p in self.parcels), 1)

    @property
    def volume_m3(self) -> float:
        return round(sum(p.volume_m3 for p in self.parcels), 3)


def estimate_packages(
    catalogue: Catalogue, panels: tuple[Panel, ...], hardware: tuple[HardwareLine, ...]
) -> PackageEstimate:
    """Panels stacked largest first into parcels a courier accepts, plus a hardware box."""
    rules = catalogue.shipping
    pad = rules.padding_mm
    pieces = []
    for p in panels:
        density = catalogue.boards[p.board].density_kg_m3
        weight = p.area_m2 * p.thickness_mm / 1000 * density
        pieces += [(p.length_mm, p.width_mm, p.thickness_mm, weight)] * p.quantity
    pieces.sort(key=lambda x: -x[0] * x[1])
    parcels, stack = [], []
    for piece in pieces:
        if stack and sum(s[3] for s in stack) + piece[3] > rules.max_package_kg:
            parcels.append(_parcel(stack, pad))
            stack = []
        stack.append(piece)
    if stack:
        parcels.append(_parcel(stack, pad))
    weight = sum(catalogue.hardware[h.code].weight_kg * h.quantity for h in hardware)
    if hardware:
        length, width, height = rules.hardware_box_mm
        parcels.append(Parcel(length, width, height, round(weight + 0.5, 1), "hardware"))
    return PackageEstimate(tuple(parcels))


def _parcel(stack: list[tuple[float, float, float, float]], pad: float) -> Parcel:
    length = max(s[0] for s in stack) + 2 * pad
    width = max(s[1] for s in stack) + 2 * pad
    height = sum(s[2] for s in stack) + 2 * pad
    weight = sum(s[3] for s in stack) + 1.5  # corners, film and carton
    return Parcel(
        round(length), round(width), round(height), round(weight, 1), f"{len(stack)} panels"
    )
