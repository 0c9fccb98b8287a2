"""An order plan as the plain data its events keep (JSON-compatible, Decimals as text)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.configurator.catalogue import Catalogue
from services.configurator.domain.order_plan import (
    LineRejection,
    LineRequest,
    OrderPlan,
    describe,
)


def line_requests(lines: list[dict[str, Any]]) -> list[LineRequest]:
    return [LineRequest(line["line_id"], line["product"], line["quantity"], line["options"])
            for line in lines]


def requested_lines(requests: list[LineRequest]) -> list[dict[str, Any]]:
    return [{"line_id": r.line_id, "product": r.product, "quantity": r.quantity,
             "options": r.options} for r in requests]


def plan_lines(plan: OrderPlan) -> list[dict[str, Any]]:
    out = []
    for line in plan.lines:
        c = line.configuration
        out.append({
            "line_id": line.line_id, "product": line.request.product,
            "quantity": line.quantity, "options": line.request.options,
            "resolved_options": dict(c.spec.options), "summary": describe(c),
            "panel_count": sum(p.quantity for p in c.panels),
            "hardware_count": sum(h.quantity for h in c.hardware),
            "unit_price": str(c.price.total), "price": str(c.price.total * line.quantity),
        })
    return out


def plan_result(catalogue: Catalogue, plan: OrderPlan) -> dict[str, Any]:
    return {
        "nesting_method": plan.nesting_method,
        "nesting": {
            "kerf_mm": plan.cut_plan.kerf_mm, "trim_mm": plan.cut_plan.trim_mm,
            "materials": [asdict(m) | {"thickness_mm": _thickness(catalogue, m.material)}
                          for m in plan.nesting.materials],
        },
        "routing": [asdict(step) for step in plan.routing],
        "price": {"currency": plan.price.currency, "total": str(plan.price.total),
                  "lines": [{"category": p.category, "quantity": str(p.quantity),
                             "unit": p.unit, "amount": str(p.amount)}
                            for p in plan.price.lines]},
        "packages": [{"package_id": p.package_id, "line_id": p.line_id,
                      "description": p.description, "weight_kg": p.parcel.weight_kg,
                      "length_mm": p.parcel.length_mm, "width_mm": p.parcel.width_mm,
                      "height_mm": p.parcel.height_mm, "volume_m3": round(p.parcel.volume_m3, 4)}
                     for p in plan.packages],
        "weight_kg": plan.weight_kg,
        "volume_m3": plan.volume_m3,
    }


def rejection_reasons(rejections: tuple[LineRejection, ...]) -> list[dict[str, str]]:
    return [{"line_id": r.line_id, "parameter": r.reason.parameter, "message": r.reason.message,
             "suggestion": r.reason.suggestion} for r in rejections]


def _thickness(catalogue: Catalogue, material: str) -> float:
    board = catalogue.boards.get(material.split("/")[0])
    return board.thickness_mm if board else 0.0
