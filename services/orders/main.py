"""Composition root of the orders service: `python -m services.orders.main`."""

from __future__ import annotations

import asyncio

import uvloop

from dovetail.orders.v1 import orders_service_pb2, orders_service_pb2_grpc
from services.kit import runtime
from services.kit.runtime import Runtime, ServiceParts
from services.orders.application import OrdersApplication
from services.orders.policies import consumers
from services.orders.projections import OrderListView, order_list_projector
from services.orders.published import TOPICS, to_integration
from services.orders.rpc.servicer import ITEMWISE, ROLES, OrdersServicer

NAME = "orders"


def build(rt: Runtime) -> ServiceParts:
    assert isinstance(rt.app, OrdersApplication)
    view = OrderListView(rt.pool)
    projector = order_list_projector(rt.app, rt.pool, rt.wakeup)

    def add_servicers(server) -> list[str]:
        orders_service_pb2_grpc.add_OrdersServiceServicer_to_server(
            OrdersServicer(rt.app, view, rt.settings.tenant), server)
        return [orders_service_pb2.DESCRIPTOR.services_by_name["OrdersService"].full_name]

    async def projection(stop) -> None:
        await view.ensure_table()
        await projector.run(stop)

    return ServiceParts(add_servicers=add_servicers, roles=ROLES, itemwise=ITEMWISE,
                        to_integration=to_integration,
                        integration_topics=TOPICS,
                        consumers=consumers(rt.app),
                        leader_jobs={"order_list": projection})


def serve() -> None:
    # uvloop: on the webhook path this loop carries every gRPC call, thread hand-off and relay
    # ack; with asyncio's own loop that work was a fifth of the process's CPU
    # (load/bench_webhooks.py: 566-659 -> 766-813 orders/s in the same run).
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    runtime.main(NAME, OrdersApplication, build)


if __name__ == "__main__":
    serve()
