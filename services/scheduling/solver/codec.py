"""Plain-dict (JSON) forms of problems and plans; see docs/scheduling.md."""

from __future__ import annotations

from .model import (
    Electricity,
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    Plan,
    PlannedOperation,
    PriceStep,
    SchedulingError,
    SetupRule,
    Window,
)


def _windows(items) -> tuple[Window, ...]:
    return tuple(Window(int(w[0]), int(w[1])) for w in items or ())


def _planned(items) -> tuple[PlannedOperation, ...]:
    return tuple(
        PlannedOperation(str(p["order"]), int(p["op"]), str(p["factory"]), str(p["machine"]),
                         int(p["start"]), int(p["end"]))
        for p in items or ()
    )


def _electricity(data) -> Electricity | None:
    if not data:
        return None
    limit = data.get("demand_limit_kw")
    return Electricity(tuple(PriceStep(int(p[0]), float(p[1]), str(p[2]) if len(p) > 2 else "")
                             for p in data.get("prices") or ()),
                       None if limit is None else float(limit))


def problem_from_dict(data: dict) -> NetworkProblem:
    """Build a problem from its JSON form; raise :class:`SchedulingError` with the field."""
    try:
        factories = tuple(
            Factory(
                id=str(f["id"]),
                capacity_share=float(f.get("capacity_share", 1.0)),
                shifts=_windows(f["shifts"]),
                machines=tuple(
                    Machine(str(m["id"]), str(m["type"]), float(m.get("speed", 1.0)),
                            _windows(m.get("downtime")), int(m.get("batch_capacity", 1)),
                            float(m.get("power_kw", 0.0)))
                    for m in f["machines"]
                ),
                electricity=_electricity(f.get("electricity")),
            )
            for f in data["factories"]
        )
        orders = tuple(
            Order(
                id=str(o["id"]), due=int(o["due"]), weight=int(o.get("weight", 1)),
                release=int(o.get("release", 0)),
                operations=tuple(
                    Operation(str(op["machine_type"]), int(op["duration"]),
                              str(op.get("setup_family", "")), int(op.get("min_wait_after", 0)),
                              bool(op.get("batchable", False)))
                    for op in o["operations"]
                ),
            )
            for o in data["orders"]
        )
        setups = tuple(SetupRule(str(k), int(v)) for k, v in (data.get("setups") or {}).items())
        problem = NetworkProblem(
            horizon=int(data["horizon"]), factories=factories, orders=orders, setups=setups,
            frozen=_planned(data.get("frozen")), last_plan=_planned(data.get("last_plan")),
            now=int(data.get("now", 0)),
            energy_aware=bool(data.get("energy_aware", True)),
            lateness_minutes_per_cny=float(data.get("lateness_minutes_per_cny", 0.0)),
        )
    except KeyError as exc:
        raise SchedulingError(f"missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise SchedulingError(f"bad value: {exc}") from None
    for o in problem.orders:
        if not o.operations:
            raise SchedulingError(f"order {o.id} has no operations")
        if any(op.duration <= 0 for op in o.operations):
            raise SchedulingError(f"order {o.id} has an operation without positive duration")
    return problem


def problem_to_dict(problem: NetworkProblem) -> dict:
    out = {
        "horizon": problem.horizon,
        "now": problem.now,
        "setups": {r.machine_type: r.change_minutes for r in problem.setups},
        "factories": [
            {"id": f.id, "capacity_share": f.capacity_share,
             "shifts": [[w.start, w.end] for w in f.shifts],
             "machines": [{"id": m.id, "type": m.type, "speed": m.speed,
                           "downtime": [[w.start, w.end] for w in m.downtime],
                           "batch_capacity": m.batch_capacity} for m in f.machines]}
            for f in problem.factories
        ],
        "orders": [
            {"id": o.id, "due": o.due, "weight": o.weight, "release": o.release,
             "operations": [{"machine_type": op.machine_type, "duration": op.duration,
                             "setup_family": op.setup_family, "min_wait_after": op.min_wait_after,
                             "batchable": op.batchable} for op in o.operations]}
            for o in problem.orders
        ],
        "frozen": [planned_to_dict(p) for p in problem.frozen],
        "last_plan": [planned_to_dict(p) for p in problem.last_plan],
    }
    _energy_to_dict(problem, out)
    return out


def _energy_to_dict(problem: NetworkProblem, out: dict) -> None:
    """Energy fields, only where set (a problem without them reads as before)."""
    for f, fd in zip(problem.factories, out["factories"], strict=True):
        for m, md in zip(f.machines, fd["machines"], strict=True):
            if m.power_kw:
                md["power_kw"] = m.power_kw
        e = f.electricity
        if e is not None:
            fd["electricity"] = {"prices": [[p.minute, p.cny_per_kwh, p.band] for p in e.prices],
                                 "demand_limit_kw": e.demand_limit_kw}
    if not problem.energy_aware:
        out["energy_aware"] = False
    if problem.lateness_minutes_per_cny:
        out["lateness_minutes_per_cny"] = problem.lateness_minutes_per_cny


def planned_to_dict(p: PlannedOperation) -> dict:
    return {"order": p.order, "op": p.op, "factory": p.factory, "machine": p.machine,
            "start": p.start, "end": p.end}


def plan_to_dict(plan: Plan) -> dict:
    return {
        "status": plan.status,
        "objective": {"weighted_tardiness": plan.objective.weighted_tardiness,
                      "makespan": plan.objective.makespan, "moved": plan.objective.moved},
        "operations": [planned_to_dict(p) for p in plan.operations],
    }
