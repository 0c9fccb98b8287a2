"""Telemetry waiting to be sent: a bounded queue of batches, in memory or on disk.

Batches keep their batch id while they wait, so a resend after a broken link is dropped by
the server as a repeat instead of counted twice. When the queue is full the oldest batches go:
the server refuses samples older than an hour anyway.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from dovetail.iot.v1 import iot_service_pb2 as pb

DEFAULT_MAX_BATCHES = 20_000


class TelemetrySpool(Protocol):
    def put(self, batches: list[pb.TelemetryBatch]) -> int:
        """Queue batches (a batch id already queued is kept once); the number dropped."""
        ...

    def peek(self, limit: int) -> list[pb.TelemetryBatch]:
        """The oldest `limit` batches, oldest first."""
        ...

    def remove(self, batch_ids: list[str]) -> None: ...

    def __len__(self) -> int: ...


class MemorySpool:
    """In-memory queue: survives a broken link, not a restart."""

    def __init__(self, max_batches: int = DEFAULT_MAX_BATCHES):
        self.max_batches = max_batches
        self._batches: OrderedDict[str, bytes] = OrderedDict()

    def put(self, batches: list[pb.TelemetryBatch]) -> int:
        for batch in batches:
            self._batches.setdefault(batch.batch_id, batch.SerializeToString())
        dropped = 0
        while len(self._batches) > self.max_batches:
            self._batches.popitem(last=False)
            dropped += 1
        return dropped

    def peek(self, limit: int) -> list[pb.TelemetryBatch]:
        out = []
        for payload in self._batches.values():
            if len(out) >= limit:
                break
            out.append(pb.TelemetryBatch.FromString(payload))
        return out

    def remove(self, batch_ids: list[str]) -> None:
        for batch_id in batch_ids:
            self._batches.pop(batch_id, None)

    def __len__(self) -> int:
        return len(self._batches)


class DiskSpool:
    """SQLite-backed queue: survives a restart of the sending program too."""

    def __init__(self, path: Path, max_batches: int = DEFAULT_MAX_BATCHES):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self.max_batches = max_batches
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spool (n INTEGER PRIMARY KEY AUTOINCREMENT,"
                         " batch_id TEXT NOT NULL UNIQUE, payload BLOB NOT NULL)")

    def put(self, batches: list[pb.TelemetryBatch]) -> int:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO spool (batch_id, payload) VALUES (?, ?)",
                                 [(b.batch_id, b.SerializeToString()) for b in batches])
            over = len(self) - self.max_batches
            if over > 0:
                self._db.execute("DELETE FROM spool WHERE n IN"
                                 " (SELECT n FROM spool ORDER BY n LIMIT ?)", (over,))
        return max(0, over)

    def peek(self, limit: int) -> list[pb.TelemetryBatch]:
        rows = self._db.execute("SELECT payload FROM spool ORDER BY n LIMIT ?", (limit,))
        return [pb.TelemetryBatch.FromString(payload) for (payload,) in rows]

    def remove(self, batch_ids: list[str]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM spool WHERE batch_id = ?",
                                 [(b,) for b in batch_ids])

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM spool").fetchone()[0]

    def close(self) -> None:
        self._db.close()
