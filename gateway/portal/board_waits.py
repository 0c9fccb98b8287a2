"""Why an order waits for boards, on its portal page (issue 20, item 4): scheduling's
explanation of the order names each board its saw work waits for ("waits for board
particleboard-18 melamine-white 2800×2070 at factory F until 2026-12-09 (Asia/Shanghai)", or
"(none on order)"); here each is said again in the reader's language, the day as they write
days, the factory's zone named."""

from __future__ import annotations

import re

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway.deps import Services
from gateway.i18n import gettext as _
from gateway.i18n import local_date

WAIT = re.compile(r"waits for board (?P<board>.+?) at factory (?P<factory>\S+) "
                  r"(?:until (?P<day>\d{4}-\d{2}-\d{2}) \((?P<zone>[^)]+)\)|\(none on order\))")


def board_waits(texts: list[str]) -> list[str]:
    """Each board wait the texts name, once, in the reader's language."""
    out: dict[str, None] = {}
    for text in texts:
        for m in WAIT.finditer(text):
            if m["day"]:
                said = _("waits for board %(board)s at factory %(factory)s until %(day)s "
                         "(%(zone)s)", board=m["board"], factory=m["factory"],
                         day=local_date(m["day"]), zone=m["zone"])
            else:
                said = _("waits for board %(board)s at factory %(factory)s: none on order",
                         board=m["board"], factory=m["factory"])
            out.setdefault(said, None)
    return list(out)


async def order_board_waits(services: Services, order_id: str) -> list[str]:
    """The boards the order's saw work waits for, from scheduling's explanation."""
    reply = await services.call("scheduling", "ExplainOrder",
                                sch.ExplainOrderRequest(order_id=order_id), timeout=10)
    return board_waits([reply.summary, *(r.message for r in reply.reasons)])
