"""SchedulingApplication.publish_plan as the planner sees it, without a database: the
publication, the factory plans' revisions and each order's place are recorded, and the
state follows (as the state follower would)."""

from __future__ import annotations

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.plans import revise_factories


class RecordingApp:
    def __init__(self, state: NetworkState):
        self.state = state
        self.events: list = []  # everything recorded, in order

    def publish_plan(self, outcome, made_at_position=None, unchanged=(), current=None,
                     partition=""):
        keep = {row.order_id for row in outcome.orders}
        plan = outcome.publication(partition, keep)
        revised = revise_factories(current or {}, outcome.rows_by_factory(keep), str(plan.id),
                                   outcome.published_at_ms)
        orders = []
        for row in outcome.orders:
            order = self.state.orders[row.order_id]
            if order.record_scheduled(str(plan.id), order.revision, row.factory_id,
                                      row.start_ms, row.end_ms, row.risk, row.tardiness_s):
                orders.append(order)
        for row in outcome.left_out:
            order = self.state.orders[row.order_id]
            if order.record_left_out(str(plan.id), row.revision, row.reason, row.words):
                orders.append(order)
        for aggregate in (*revised, plan, *orders):
            for event in aggregate.collect_events():
                self.events.append(event)
                if aggregate not in orders:
                    self.state.apply(event)  # the orders are the state's own copies
        return plan.id

    def announced(self, order_id: str) -> list[str]:
        """The integration events recorded about the order, by subject."""
        from services.scheduling.published import to_integration

        return [subject for subject, body in filter(None, map(to_integration, self.events))
                if getattr(body, "order_id", "") == order_id]
