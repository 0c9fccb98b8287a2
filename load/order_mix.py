"""A realistic mix of shop orders for the chain-scale pipeline benchmark, and the machine time
it asks of the network.

Products as a custom-furniture brand sells them (wardrobes first, then kitchen base and wall
cabinets, bookcases, tall cabinets, TV units, desks), sizes drawn within each catalogue
template's ranges in 10 mm steps, a board and finish mix in which about one order in eight is
lacquered (sanding and painting, two coats) and a few are veneered; promised dates spread over
the planning horizon. Deterministic per seed.

:func:`demand` configures a sample of the mix with the seed catalogue itself (in process, the
pure catalogue code the configurator runs), so the capacity arithmetic uses the same routings
the scheduler will be asked to plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

# product → (share of orders, width, height, depth ranges in mm, extra options drawn per order)
PRODUCTS: dict[str, tuple[float, tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "wardrobe": (0.28, (1200, 2600), (2000, 2500), (550, 620)),
    "base_cabinet": (0.18, (400, 1000), (720, 860), (500, 600)),
    "wall_cabinet": (0.14, (400, 1000), (600, 900), (300, 370)),
    "bookcase": (0.14, (600, 1600), (1200, 2200), (280, 380)),
    "tall_cabinet": (0.10, (450, 900), (1900, 2400), (400, 600)),
    "tv_unit": (0.09, (1200, 2400), (400, 600), (350, 450)),
    "desk": (0.07, (1000, 1800), (720, 760), (550, 750)),
}
MELAMINE = ("melamine-white", "melamine-grey", "melamine-oak")
LACQUER = ("lacquer-white", "lacquer-grey", "lacquer-sage", "lacquer-navy", "lacquer-black")
CUSTOMERS = (("Li Wei", "Guangzhou", "510000"), ("Chen Jing", "Foshan", "528000"),
             ("Wang Fang", "Shenzhen", "518000"), ("Zhang Min", "Dongguan", "523000"),
             ("Liu Yang", "Zhongshan", "528400"), ("Huang Lei", "Zhuhai", "519000"))


@dataclass(frozen=True)
class OrderMix:
    """Draws webhook payloads: products by share, promised dates ``lead_days`` after today."""

    seed: int = 0
    lead_days: tuple[int, int] = (4, 13)

    def payloads(self, prefix: str):
        """An endless stream of canonical webhook bodies, external ids ``<prefix>-<n>``."""
        rng = random.Random(self.seed)
        n = 0
        while True:
            n += 1
            yield self.payload(rng, f"{prefix}-{n:06d}")

    def payload(self, rng: random.Random, external_id: str) -> dict[str, Any]:
        product, options = draw_item(rng)
        name, city, postal = rng.choice(CUSTOMERS)
        promised = date.today() + timedelta(days=rng.randint(*self.lead_days))
        return {
            "external_id": external_id,
            "placed_at": "2026-11-25T08:00:00Z",
            "promised_date": promised.isoformat(),
            "customer": {"name": name, "email": f"{external_id.lower()}@example.com",
                         "phone": "+86 20 5555 0101",
                         "address": {"line1": "88 Tianhe Road", "city": city,
                                     "region": "Guangdong", "postal_code": postal,
                                     "country": "CN"}},
            "items": [{"line_id": "1", "product": product, "quantity": 1, "options": options}],
            "total": {"amount": f"{rng.randint(900, 9000)}.00", "currency": "CNY"},
        }


def _size(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randrange(bounds[0], bounds[1] + 1, 10) // 10 * 10


def draw_item(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One product and its options, within the catalogue's rules for most draws."""
    names = list(PRODUCTS)
    product = rng.choices(names, weights=[PRODUCTS[p][0] for p in names])[0]
    _, width, height, depth = PRODUCTS[product]
    options: dict[str, Any] = {"width_mm": _size(rng, width), "height_mm": _size(rng, height),
                               "depth_mm": _size(rng, depth)}
    look = rng.random()
    if look < 0.12 and product != "desk":
        options |= {"board": "mdf-18", "finish": rng.choice(LACQUER)}
    elif look < 0.16 and product != "desk":
        options |= {"board": "veneered-18", "finish": rng.choice(("veneer-oak", "veneer-walnut"))}
    else:
        options |= {"finish": rng.choice(MELAMINE)}
    if product == "wardrobe":
        sliding = rng.random() < 0.5 and "lacquer" not in options["finish"]
        bays = -(-options["width_mm"] // 750)  # shelf spans under 800 mm
        options |= {"doors": 2 if sliding else min(8, bays * 2),
                    "door_style": "sliding" if sliding else "hinged",
                    "dividers": max(0, bays - 1), "drawers": rng.choice((0, 0, 2))}
    elif product in ("base_cabinet", "tall_cabinet"):
        options |= {"doors": 1 if options["width_mm"] < 500 else 2,
                    "drawers": rng.choice((0, 0, 1)) if product == "base_cabinet" else 0}
    elif product == "wall_cabinet":
        options |= {"doors": 1 if options["width_mm"] < 500 else 2}
    elif product == "bookcase":
        options |= {"dividers": max(0, options["width_mm"] // 700),
                    "shelves": rng.randint(2, 5)}
    elif product == "tv_unit":
        options |= {"doors": min(4, -(-options["width_mm"] // 580)),
                    "dividers": max(1, options["width_mm"] // 700),
                    "drawers": rng.choice((0, 1))}
    elif product == "desk":
        options |= {"drawers": rng.choice((0, 1, 2))}
    return product, options


def demand(sample: int = 600, seed: int = 0) -> dict[str, Any]:
    """Machine minutes per order by machine type (setup included) over a configured sample of
    the mix, the share the catalogue refuses and the products needing each type."""
    from services.configurator.catalogue import Configuration, configure, seed_catalogue

    catalogue = seed_catalogue()
    rng = random.Random(seed)
    minutes: dict[str, float] = {}
    refused: dict[str, int] = {}
    operations = configured = 0
    for _ in range(sample):
        product, options = draw_item(rng)
        result = configure(catalogue, product, options)
        if not isinstance(result, Configuration):
            refused[product] = refused.get(product, 0) + 1
            continue
        configured += 1
        for op in result.routing.operations:
            operations += 1
            minutes[op.machine_type] = minutes.get(op.machine_type, 0.0) + \
                (op.duration_s + op.setup_s) / 60
    per_order = {t: round(m / max(1, configured), 2) for t, m in sorted(minutes.items())}
    return {"sample": sample, "configured": configured, "refused_by_product": refused,
            "operations_per_order": round(operations / max(1, configured), 2),
            "minutes_per_order": per_order,
            "total_minutes_per_order": round(sum(per_order.values()), 1)}
