"""A shop payload tried without storing anything: what the webhook would make of it now.

The same steps as `shops.receive` after the signature (decode → the platform's order → the
channel's mapping → the order the orders service would be asked to place), then each mapped
line asked of the configurator's what-if `Configure` (nothing recorded there either): the
canonical order, or every problem by JSON Pointer in the payload — shape problems, what the
mapping is missing, and what configuration would refuse.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.exceptions import ValidationException

from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway import reads
from gateway.channels import ChannelMapping
from gateway.controllers.designs import configure_request
from gateway.controllers.orders import order_read
from gateway.deps import GatewayState
from gateway.errors import ServiceError
from gateway.schemas.orders import FieldError, WordsRead
from gateway.schemas.shop_desk import DryRunAnswer, DryRunLine, NeedRead
from gateway.webhooks.mapping import Mapped, Need, ShopLine, map_lines
from gateway.webhooks.shops import ShopOrder, ShopPlatform, decode, placing_request
from services.kit.words import SEMICOLONS, Words
from services.kit.words_pb import words_of, words_pb

OUTCOME_STATUS = {"PLACED": 202, "AWAITING_MAPPING": 202, "REJECTED": 202, "IGNORED": 200,
                  "REFUSED": 422}


def need_at(need: Need, lines: list[ShopLine]) -> str:
    """Where in the payload a mapping need comes from."""
    line = next((li for li in lines if li.line_id == need.line_id), None)
    if line is None:
        return "/line_items"
    if need.kind == "option":
        prop = next((p for p in line.properties if p.name.strip() == need.key), None)
        return prop.at if prop else line.at
    if need.kind == "product":
        return f"{line.at}/sku" if line.sku else f"{line.at}/title"
    return line.at


def refused(exc: ValidationException) -> DryRunAnswer:
    problems = [FieldError(str(e.get("key") or "body"), str(e.get("message") or exc.detail))
                for e in exc.extra or [] if isinstance(e, dict)] or [FieldError("body", exc.detail)]
    return DryRunAnswer("REFUSED", 422, None, problems, [], [], [])


async def configured_lines(state: GatewayState, placing: orders_pb.PlaceOrderRequest,
                           lines: list[ShopLine]) -> tuple[list[DryRunLine], list[FieldError]]:
    """Each mapped line as the configurator would take it now (what-if: nothing recorded)."""
    at = {li.line_id: li.at for li in lines}
    answers = await asyncio.gather(*(state.services.call(
        "configurator", "Configure", configure_request(
            item.product, dict(item.options.items()), item.quantity)) for item in placing.items))
    found, problems = [], []
    for item, answer in zip(placing.items, answers, strict=True):
        if answer.WhichOneof("outcome") == "spec":
            found.append(DryRunLine(item.line_id, item.product, True, answer.spec.summary,
                                    reads.words(answer.spec, "summary_words")))
            continue
        reasons = list(answer.rejection.reasons)
        found.append(DryRunLine(item.line_id, item.product, False,
                                "; ".join(r.message for r in reasons), _why_not(reasons)))
        problems += [FieldError(at.get(item.line_id, "/line_items"),
                                f"{item.product}: {r.parameter + ': ' if r.parameter else ''}"
                                f"{reads.said(r.message, r, 'message_words')}") for r in reasons]
    return found, problems


def _why_not(reasons) -> WordsRead | None:
    """Why a line cannot be built, as words ('a; b'), when the configurator wrote them."""
    if not reasons or not all(r.HasField("message_words") for r in reasons):
        return None
    return reads.words_read(words_pb(Words.listing(
        [words_of(r.message_words) for r in reasons], SEMICOLONS)))


def canonical(platform: ShopPlatform, placing: orders_pb.PlaceOrderRequest, status: str) -> Any:
    order = orders_pb.Order(channel=platform.channel, external_id=placing.external_id,
                            customer=placing.customer, items=placing.items,
                            status=orders_pb.OrderStatus.Value(f"ORDER_STATUS_{status}"),
                            notes=placing.notes)
    if placing.HasField("total"):
        order.total.CopyFrom(placing.total)
    if placing.HasField("placed_at"):
        order.placed_at.CopyFrom(placing.placed_at)
    return order_read(order)


async def dry_run(state: GatewayState, platform: ShopPlatform, body: bytes) -> DryRunAnswer:
    """What `body`, posted signed to the platform's webhook now, would become."""
    try:
        order: ShopOrder = platform.to_order(decode(body, platform))
        mapped: Mapped = map_lines(await state.channels.fresh_mapping(platform.channel)
                                   or ChannelMapping(), order.lines)
        placing = placing_request(platform, order, mapped, b"")
    except ValidationException as exc:
        return refused(exc)
    needs = [NeedRead(n.kind, n.key, n.line_id, n.detail, need_at(n, order.lines))
             for n in mapped.needs]
    if not mapped.items and not mapped.needs:
        return DryRunAnswer("IGNORED", 200, None, [], [], mapped.notes, [])
    problems = [FieldError(n.field, n.detail) for n in needs]
    lines, note = [], ""
    try:
        lines, refusals = await configured_lines(state, placing, order.lines)
        problems += refusals
    except ServiceError as exc:
        note = f"the configurator was not asked: {exc.detail}"
    outcome = ("AWAITING_MAPPING" if needs else
               "REJECTED" if any(li.buildable is False for li in lines) else "PLACED")
    status = "AWAITING_MAPPING" if needs else "PLACED"
    return DryRunAnswer(outcome, OUTCOME_STATUS[outcome], canonical(platform, placing, status),
                        problems, needs, mapped.notes, lines, note)
