"""PostgreSQL for event-sourced applications: each service in its own schema."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

import psycopg
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ProcessRecorder, StoredEvent, Tracking, Transcoder
from eventsourcing.postgres import PostgresProcessRecorder

from services.kit.recent import RecentAggregates
from services.kit.settings import Settings
from services.kit.transcoder import StoredJSON

# Above this many bytes of event state, a transaction is written without psycopg's pipeline
# mode: psycopg 3.3.9 never returns from a pipelined insert of more than about 4-8 MB (both
# ends' buffers fill while neither reads; found by load/bench_plan_storage.py).
UNPIPELINED_BYTES = 1 << 20
# psycopg_pool retries a lost connection after 1, 2, 4, 8 s ... until its reconnect_timeout
# (5 min): a pool came back 9 s after a 20 s outage. Giving up after RECONNECT_S makes the next
# request that wants a connection try again at once, so a pool is back within about a second
# of PostgreSQL (every pool of the platform is built with it).
RECONNECT_S = 2.0


class Recorder(PostgresProcessRecorder):
    """eventsourcing's process recorder, which also saves several tracking records with the
    events of one transaction (a consumer applying a batch of upstream events at once), and
    writes a large transaction without pipeline mode.

    Stored events are inserted from four arrays (ids, versions, topics, states) sent in
    binary, not from eventsourcing's one array of a composite type: psycopg adapts a
    composite value field by field in Python and escapes each state's bytes for the text
    format with a regular expression. 32-event batches of placed orders' events: 66-74 us of
    client CPU per event that way, 31-33 us from binary arrays. Same rows, same order, same
    notification ids returned.

    eventsourcing's database-function insert (POSTGRES_ENABLE_DB_FUNCTIONS) is refused: in
    9.5.6 it drops the tracking record it is given, so an upstream event would be applied
    again on redelivery.
    """

    def __init__(self, datastore, **kwargs: Any):
        if datastore.enable_db_functions:
            raise ValueError("POSTGRES_ENABLE_DB_FUNCTIONS drops tracking records in "
                             "eventsourcing 9.5.6; Dovetail's recorder refuses it")
        super().__init__(datastore, **kwargs)
        # eventsourcing builds its pool with psycopg_pool's default; read at each reconnection.
        datastore.pool.reconnect_timeout = RECONNECT_S
        self.insert_events_from_arrays = psycopg.sql.SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[])"
            " RETURNING notification_id").format(
            schema=psycopg.sql.Identifier(datastore.schema),
            table=psycopg.sql.Identifier(self.events_table_name),
            id_type=psycopg.sql.Identifier(datastore.originator_id_type))
        self.insert_trackings_from_arrays = psycopg.sql.SQL(
            "INSERT INTO {schema}.{table} (application_name, notification_id)"
            " SELECT * FROM unnest(%b::text[], %b::bigint[])").format(
            schema=psycopg.sql.Identifier(datastore.schema),
            table=psycopg.sql.Identifier(self.tracking_table_name))

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        if sum(len(e.state) for e in stored_events) <= UNPIPELINED_BYTES:
            return super().insert_events(stored_events, **kwargs)
        with self.datastore.get_connection() as conn, conn.transaction(), \
                conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(self, curs, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """eventsourcing's (PostgresApplicationRecorder): lock the table for the order of
        notification ids, notify the listeners, insert; the insert from plain arrays."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self.insert_events_from_arrays, (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events]))

    def _insert_events(self, curs, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """The tracking records of a batch in one statement (multi-row tracking: a record
        already there fails the transaction, as one at a time does)."""
        trackings: Sequence[Tracking] = kwargs.get("trackings", ())
        if len(trackings) > 1 and not self.datastore.single_row_tracking:
            self._check_has_multi_row_tracking_table(curs)
            curs.execute(self.insert_trackings_from_arrays, (
                [t.application_name for t in trackings], [t.notification_id for t in trackings]))
        else:
            for tracking in trackings:
                self._insert_tracking(curs, tracking=tracking)
        super()._insert_events(curs, stored_events, **kwargs)


class BatchUnsupported(RuntimeError):
    """The application's recorder cannot save several tracking records at once."""


def postgres_env(database_url: str, schema: str, pool_size: int = 5) -> dict[str, str]:
    """eventsourcing's POSTGRES_* settings for one service's schema."""
    url = urlparse(database_url)
    if url.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"DOVETAIL_DATABASE_URL must be a postgresql:// URL, not {url.scheme!r}")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/dovetail").lstrip("/") or "dovetail",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "dovetail"),
        # eventsourcing insists on a password, even under trust authentication.
        "POSTGRES_PASSWORD": unquote(url.password or "dovetail"),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size * 2),
        # How long a statement waits for a pooled connection (whole seconds). eventsourcing
        # tries a failed statement 10 times: with PostgreSQL away that is 10 such waits, which
        # is why calls are refused at once while readiness says it is away (rpc.Gate).
        "POSTGRES_CONNECT_TIMEOUT": "2",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "CREATE_TABLE": "y",
        "PROCESS_RECORDER_TOPIC": f"{Recorder.__module__}:{Recorder.__qualname__}",
        # Consumers may see upstream events out of order (redelivery, replicas): one
        # tracking row per processed notification, never "newer than the last only".
        "SINGLE_ROW_TRACKING": "n",
    }


# PostgreSQL's CREATE ... IF NOT EXISTS is not safe when two processes run it at once (a
# unique violation on pg_type): replicas starting together take this lock around their DDL.
DDL_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('dovetail:ddl', 0))"


async def apply_ddl(conn: psycopg.AsyncConnection,
                    ddl: str | psycopg.sql.SQL | psycopg.sql.Composed) -> None:
    """Run schema statements under the platform-wide DDL lock, in one transaction."""
    async with conn.transaction():
        await conn.execute(DDL_LOCK)
        await conn.execute(ddl)


def ensure_schema(database_url: str, schema: str) -> None:
    """eventsourcing needs its schema to exist before it creates its tables."""
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute(DDL_LOCK)
        conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
            psycopg.sql.Identifier(schema)))


class Collecting(ProcessingEvent):
    """eventsourcing's ProcessingEvent, which takes an Aggregate's pending events without first
    asking two runtime-checkable Protocols whether it is an event or collects events: in
    Python 3.11 each such isinstance walks the Protocol's attributes: 27 us of CPU for the two
    aggregates of a placed order, 2.6 us without. Anything else is
    collected as eventsourcing collects it, in the order given."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, Aggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


class ServiceApplication(Application):
    """An event-sourced application whose recorder also keeps tracking records.

    Tracking records let a consumer save the events an upstream event caused together
    with that upstream event's position, in one transaction (exactly-once in effect).

    ``recent_size`` > 0 keeps that many aggregates as last saved or read (kit/recent.py), copied
    for each reader by ``copy_recent``: ``get_many`` then reads only the events stored since.
    """

    recent_size = 0
    copy_recent: Callable[[Any], Any] = staticmethod(copy.deepcopy)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.recent = (RecentAggregates(self.recent_size, self.copy_recent)
                       if self.recent_size > 0 else None)
        super().__init__(*args, **kwargs)

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """eventsourcing's save (9.5.6), collecting through Collecting."""
        processing_event: ProcessingEvent = Collecting()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._keep(processing_event.aggregates.values())
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # eventsourcing's deprecated hook, kept
        return recordings

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's JSON format, written and read by msgspec (StoredJSON), unless
        TRANSCODER_TOPIC names another."""
        if self.factory.env.get(self.factory.TRANSCODER_TOPIC):
            return super().construct_transcoder()
        transcoder = StoredJSON()
        self.register_transcodings(transcoder)
        return transcoder

    # Called after every commit made through this application object (see LogWakeup).
    on_recorded: Callable[[], None] | None = None

    def _notify(self, recordings) -> None:
        if self.on_recorded is not None and recordings:
            self.on_recorded()

    def _keep(self, aggregates: Iterable[Any]) -> None:
        """After a commit: the aggregates saved, as they now are (kit/recent.py)."""
        if self.recent is not None:
            self.recent.keep(aggregates)

    def record(self, events, tracking, aggregates: Iterable[Any] = ()) -> None:
        """Save events with a tracking record in one transaction, then wake followers;
        ``aggregates``: those whose events these are, kept as saved."""
        self.events.put(events, tracking=tracking)
        self._keep(aggregates)
        if self.on_recorded is not None and events:
            self.on_recorded()

    def record_many(self, events, trackings: Sequence[Tracking],
                    aggregates: Iterable[Any] = ()) -> None:
        """Save the events several upstream events caused with all their tracking records, in
        one transaction (all or nothing). BatchUnsupported off PostgreSQL (the in-memory
        recorders of unit tests keep one tracking record per transaction)."""
        if not isinstance(self.recorder, Recorder):
            raise BatchUnsupported(type(self.recorder).__name__)
        self.events.put(events, trackings=list(trackings))
        self._keep(aggregates)
        if self.on_recorded is not None and events:
            self.on_recorded()

    def tracked_among(self, upstream: str, notification_ids: Collection[int]) -> set[int]:
        """Which of these upstream notifications have been processed (one query)."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresProcessRecorder):  # its tracking table is read here
            raise TypeError(f"tracked_among reads PostgreSQL, not a {type(recorder).__name__}")
        statement = psycopg.sql.SQL(
            "SELECT notification_id FROM {}.{} WHERE application_name = %s"
            " AND notification_id = ANY(%s)"
        ).format(psycopg.sql.Identifier(recorder.datastore.schema),
                 psycopg.sql.Identifier(recorder.tracking_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(statement, (upstream, list(notification_ids)))
            return {row["notification_id"] for row in cur.fetchall()}

    def stored_among(self, originator_ids: Collection[UUID]) -> set[UUID]:
        """Which of these aggregates have events recorded (one query; reading each through
        the repository costs a snapshot and an events query apiece)."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresProcessRecorder):  # its events table is read here
            raise TypeError(f"stored_among reads PostgreSQL, not a {type(recorder).__name__}")
        statement = psycopg.sql.SQL(
            "SELECT DISTINCT originator_id FROM {}.{} WHERE originator_id = ANY(%s)"
        ).format(psycopg.sql.Identifier(recorder.datastore.schema),
                 psycopg.sql.Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(statement, (list(originator_ids),))
            return {row["originator_id"] for row in cur.fetchall()}

    def get_many(self, aggregate_ids: Collection[UUID]) -> dict[UUID, Any]:
        """These aggregates, those that exist, read with one query (the repository reads
        each with a snapshot and an events query). Snapshots are not read: every event is
        replayed, for aggregates with few events such as an order in a pool; with aggregates
        kept (``recent_size``), a kept one is a copy of it brought forward by the events
        stored after its version (usually none)."""
        recorder = self.recorder
        if not isinstance(recorder, PostgresProcessRecorder):  # in memory: one at a time
            found: dict[UUID, Any] = {}
            for aggregate_id in aggregate_ids:
                with contextlib.suppress(AggregateNotFoundError):
                    found[aggregate_id] = self.repository.get(aggregate_id)
            return found
        ids = list(dict.fromkeys(aggregate_ids))
        kept = self.recent.copies(ids) if self.recent is not None else {}
        statement = psycopg.sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state"
            " FROM unnest(%s::{}[], %s::bigint[]) AS k(id, after) JOIN {}.{} e"
            " ON e.originator_id = k.id AND e.originator_version > k.after"
            " ORDER BY e.originator_id, e.originator_version"
        ).format(psycopg.sql.Identifier(recorder.datastore.originator_id_type),
                 psycopg.sql.Identifier(recorder.datastore.schema),
                 psycopg.sql.Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(statement, (ids, [kept[i].version if i in kept else 0 for i in ids]))
            rows = cur.fetchall()
        events: dict[UUID, list] = {}
        for row in rows:
            events.setdefault(row["originator_id"], []).append(self.mapper.to_domain_event(
                StoredEvent(row["originator_id"], row["originator_version"], row["topic"],
                            bytes(row["state"]))))
        found = dict(kept)
        for aggregate_id, newer in events.items():
            found[aggregate_id] = project_aggregate(kept.get(aggregate_id), newer)
        if self.recent is not None and events:
            self.recent.keep([self.recent.copy(found[i]) for i in events])
        return found

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def is_tracked(self, upstream: str, notification_id: int) -> bool:
        """Has exactly this upstream notification been processed?

        eventsourcing's `has_tracking_id` answers "is the highest tracked id >= this one",
        which would skip an older event delivered after a newer one (redelivery, or two
        replicas sharing a consumer). Multi-row tracking lets us ask for the row itself.
        """
        return notification_id in self.tracked_among(upstream, (notification_id,))


def open_application(
    cls: type[ServiceApplication], settings: Settings, schema: str, **extra: Any
) -> ServiceApplication:
    ensure_schema(settings.database_url, schema)
    env = postgres_env(settings.database_url, schema, settings.pool_size)
    env.update({k: str(v) for k, v in extra.items()})
    # The application creates its tables as it is constructed: hold the DDL lock meanwhile.
    with psycopg.connect(settings.database_url, autocommit=True) as conn, conn.transaction():
        conn.execute(DDL_LOCK)
        return cls(env=env)
