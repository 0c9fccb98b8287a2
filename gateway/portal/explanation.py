"""Why an order is planned as it is, on its portal page, from scheduling's explanation of it
(ExplainOrder), in the reader's language and on their clock: each board its saw work waits for
(issue 20, item 4: "waits for board particleboard-18 melamine-white 2800×2070 at factory F
until 2026-12-09 (Asia/Shanghai)"), and for an order at risk or late what holds it up and what
would help. Scheduling sends each as words (services/scheduling/explanation_words.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway.deps import Services
from gateway.portal.words import with_local_times


@dataclass(frozen=True)
class Explained:
    board_waits: list[str] = field(default_factory=list)
    late_because: list[str] = field(default_factory=list)  # at risk or late: what holds it up
    would_help: list[str] = field(default_factory=list)


def explained(reply: sch.ExplainOrderResponse) -> Explained:
    """The explanation's parts said for the reader (a part sent without words as written)."""
    def said(text: str, words) -> str:
        return with_local_times(text, words=words if words.template else None)

    return Explained(
        board_waits=list(dict.fromkeys(said("", w) for w in reply.board_waits)),
        late_because=[said(r.message, r.message_words) for r in reply.reasons],
        would_help=[said(s.message, s.message_words) for s in reply.suggestions])


async def order_explanation(services: Services, order_id: str) -> Explained:
    reply = await services.call("scheduling", "ExplainOrder",
                                sch.ExplainOrderRequest(order_id=order_id), timeout=10)
    return explained(reply)
