"""Published plans: each one a fact with every operation it places (Gantt, history, feed)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event


class PublishedPlan(Aggregate):
    """A plan as it was published. ``operations`` and ``orders`` are plain rows:

    operation: operation_id, order_id, seq, factory_id, machine_id, machine_type, start_ms,
    end_ms, duration_s, setup_s, setup_key, min_wait_after_s, description, frozen, status,
    promised_date, risk. order: order_id, revision, factory_id, start_ms, end_ms, risk,
    tardiness_s, promised_date.
    """

    @event("Published")
    def __init__(self, previous_plan_id: str, published_at_ms: int, status: str,
                 objective: dict[str, Any], trigger: str, solve_ms: int,
                 operations: list[dict[str, Any]], orders: list[dict[str, Any]],
                 moved_operation_ids: list[str], affected_factory_ids: list[str]):
        self.previous_plan_id = previous_plan_id
        self.published_at_ms = published_at_ms
        self.status = status
        self.objective = objective
        self.trigger = trigger
        self.solve_ms = solve_ms
        self.operations = operations
        self.orders = orders
        self.moved_operation_ids = moved_operation_ids
        self.affected_factory_ids = affected_factory_ids
