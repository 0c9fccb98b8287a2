"""Turning current samples into telemetry batches, and reading them from CSV files.

A batch holds one machine's samples, oldest first (the server refuses samples older than the
machine's last). Its id is derived from its content, so sending the same file twice, or
resending after a broken link, is dropped by the server as a repeat.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.models import CurrentSample

MAX_SAMPLES_PER_BATCH = 500
REQUIRED_COLUMNS = ("machine_id", "timestamp", "amperes")


class CsvError(ValueError):
    """A telemetry file that does not fit; the message names the line."""


def batch_id_of(factory_id: str, machine_id: str, samples: list[CurrentSample]) -> str:
    digest = hashlib.sha256(f"{factory_id}|{machine_id}".encode())
    for s in samples:
        digest.update(f"|{s.timestamp_ms}:{s.amperes!r}:{s.voltage!r}:{s.power_factor!r}".encode())
    return digest.hexdigest()[:32]


def make_batches(samples: Iterable[CurrentSample], factory_id: str = "",
                 max_samples: int = MAX_SAMPLES_PER_BATCH) -> list[pb.TelemetryBatch]:
    """Batches of at most `max_samples` per machine, each machine's oldest first."""
    by_machine: dict[str, list[CurrentSample]] = defaultdict(list)
    for s in samples:
        by_machine[s.machine_id].append(s)
    batches = []
    for machine_id, rows in by_machine.items():
        rows.sort(key=lambda s: s.timestamp_ms)
        for i in range(0, len(rows), max_samples):
            chunk = rows[i:i + max_samples]
            batch = pb.TelemetryBatch(factory_id=factory_id, machine_id=machine_id,
                                      batch_id=batch_id_of(factory_id, machine_id, chunk))
            for s in chunk:
                sample = batch.current_samples.add(timestamp_unix_ms=s.timestamp_ms,
                                                   amperes=s.amperes)
                if s.voltage is not None:
                    sample.voltage_v = s.voltage
                if s.power_factor is not None:
                    sample.power_factor = s.power_factor
            batches.append(batch)
    # Interleave machines by time so a long file reaches every machine's status early.
    batches.sort(key=lambda b: b.current_samples[0].timestamp_unix_ms)
    return batches


def parse_timestamp(text: str) -> int:
    """Unix ms from unix seconds, unix milliseconds or ISO 8601 (UTC unless it says)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"timestamp {text!r} is neither unix time nor ISO 8601") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return int(at.timestamp() * 1000)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"timestamp {text!r} is not a time")
    return int(value) if value > 1e11 else int(value * 1000)  # ms since 1973, else seconds


def _optional_float(row: dict[str, str], column: str) -> float | None:
    text = (row.get(column) or "").strip()
    return float(text) if text else None


def read_csv(path: Path) -> Iterator[CurrentSample]:
    """Samples of a CSV file with columns machine_id, timestamp, amperes[, voltage,
    power_factor] (a header line is required; other columns are ignored)."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise CsvError(f"{path}: the header must name {', '.join(REQUIRED_COLUMNS)} "
                           f"(missing {', '.join(missing)})")
        reader.fieldnames = columns
        for line, row in enumerate(reader, start=2):
            try:
                machine_id = (row["machine_id"] or "").strip()
                if not machine_id:
                    raise ValueError("machine_id is empty")
                amperes = float(row["amperes"])
                if not math.isfinite(amperes) or amperes < 0:
                    raise ValueError(f"amperes {row['amperes']!r} must be a number ≥ 0")
                yield CurrentSample(machine_id, parse_timestamp(row["timestamp"] or ""), amperes,
                                    _optional_float(row, "voltage"),
                                    _optional_float(row, "power_factor"))
            except (ValueError, TypeError) as exc:
                raise CsvError(f"{path}, line {line}: {exc}") from None
