"""Following a service's JetStream stream from a position: ordered, ephemeral push consumers.

The position lives with the follower (a portal's Last-Event-ID, the read model's table), so no
consumer state is kept on the server: each follower starts where it left off.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.kit.envelope import stream_name

# Which events the portal follows, per service stream.
FOLLOWED: dict[str, list[str]] = {
    "orders": ["dovetail.orders.>"],
    "scheduling": ["dovetail.scheduling.>"],
    "iot": ["dovetail.iot.machine_state_changed"],
    "delivery": ["dovetail.delivery.>"],
}
STREAMS = {stream_name(service): service for service in FOLLOWED}


async def follow(js: JetStreamContext, service: str, subjects: list[str], after: int | None,
                 cb=None):
    """Messages of `subjects` after stream sequence `after` (None: only new ones); `cb`: an
    async callable each message is handed to (else the subscription's next_msg)."""
    if after is None:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
    elif after == 0:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    else:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                opt_start_seq=after + 1)
    if len(subjects) == 1:
        config.filter_subject = subjects[0]
    else:
        config.filter_subjects = subjects
    return await js.subscribe(subjects[0], stream=stream_name(service), config=config, cb=cb,
                              ordered_consumer=True, inactive_threshold=30,
                              pending_msgs_limit=10_000)


async def last_sequence(js: JetStreamContext, service: str) -> int:
    info = await js.stream_info(stream_name(service))
    return info.state.last_seq
