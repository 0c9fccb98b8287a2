"""The assignment book, the telemetry buffer and telemetry files: pure client logic."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.book import AssignmentBook
from dovetail_factory.models import Assignment, AssignmentChange, CurrentSample, ReportKind, Shift
from dovetail_factory.spool import DiskSpool, MemorySpool
from dovetail_factory.telemetry import CsvError, make_batches, parse_timestamp, read_csv

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def change(seq: int, op: str, kind: str = "ASSIGNED", machine: str = "SAW", status="PLANNED",
           start_min: int = 0) -> AssignmentChange:
    return AssignmentChange(seq, kind, Assignment(
        operation_id=op, order_id="o1", seq=int(op[-1]), machine_id=machine,
        machine_type="panel_saw", planned_start=T0 + timedelta(minutes=start_min),
        planned_end=T0 + timedelta(minutes=start_min + 30), duration_seconds=1800,
        status=status), True, T0)


def test_the_book_takes_each_change_once_and_survives_a_restart(tmp_path):
    path = tmp_path / "book.json"
    book = AssignmentBook.open(path, "me")
    assert book.apply(change(1, "o1/op-1"))
    assert book.apply(change(2, "o1/op-2", start_min=30))
    assert not book.apply(change(2, "o1/op-2"))  # seen
    assert book.apply(change(3, "o1/op-1", "PROGRESSED", status="STARTED"))
    assert book.apply(change(4, "o1/op-9", "ASSIGNED", machine="EB"))
    assert book.apply(change(5, "o1/op-9", "WITHDRAWN", machine="EB"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = AssignmentBook.open(path, "me")
    assert again.sequence == 5 and set(again.held) == {"o1/op-1", "o1/op-2"}
    assert again.held["o1/op-1"] == book.held["o1/op-1"]
    assert [a.operation_id for a in again.queue("SAW")] == ["o1/op-1", "o1/op-2"]
    assert again.next_per_machine()["SAW"].status == "STARTED"
    assert AssignmentBook.open(path, "someone else").sequence == 0


def test_memory_and_disk_buffers_keep_order_drop_the_oldest_and_hold_a_batch_once(tmp_path):
    for spool in (MemorySpool(max_batches=3), DiskSpool(tmp_path / "spool.db", max_batches=3)):
        batches = [pb.TelemetryBatch(machine_id="SAW", batch_id=f"b{i}") for i in range(4)]
        assert spool.put(batches[:2]) == 0
        assert spool.put(batches[:2]) == 0 and len(spool) == 2  # the same ids again
        assert spool.put(batches[2:]) == 1  # full: b0 goes
        assert [b.batch_id for b in spool.peek(10)] == ["b1", "b2", "b3"]
        spool.remove(["b1", "b2"])
        assert [b.batch_id for b in spool.peek(10)] == ["b3"]
    reopened = DiskSpool(tmp_path / "spool.db")
    assert [b.batch_id for b in reopened.peek(10)] == ["b3"]


def test_batches_are_per_machine_oldest_first_with_ids_from_their_content():
    samples = [CurrentSample("SAW", 3000, 5.0), CurrentSample("EB", 1000, 2.0),
               CurrentSample("SAW", 1000, 4.0), CurrentSample("SAW", 2000, 4.5, 400.0, 0.9)]
    batches = make_batches(samples, max_samples=2)
    saw = [b for b in batches if b.machine_id == "SAW"]
    assert [[s.timestamp_unix_ms for s in b.current_samples] for b in saw] == [[1000, 2000], [3000]]
    assert saw[0].current_samples[1].HasField("voltage_v")
    assert not saw[0].current_samples[0].HasField("voltage_v")
    assert [b.batch_id for b in make_batches(samples, max_samples=2)] == [
        b.batch_id for b in batches]
    assert len({b.batch_id for b in batches}) == 3


def test_timestamps_in_seconds_milliseconds_or_iso():
    assert parse_timestamp("1764057600") == 1764057600000
    assert parse_timestamp("1764057600.5") == 1764057600500
    assert parse_timestamp("1764057600000") == 1764057600000
    assert parse_timestamp("2025-11-25T08:00:00Z") == 1764057600000
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


def test_a_csv_file_reads_into_samples_or_names_the_bad_line(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("machine_id,timestamp,amperes,power_factor\nSAW,1764057600,12.5,0.9\n"
                    "SAW,1764057601,13,\n")
    rows = list(read_csv(good))
    assert rows == [CurrentSample("SAW", 1764057600000, 12.5, None, 0.9),
                    CurrentSample("SAW", 1764057601000, 13.0)]
    for text, message in (("machine,timestamp\n", "must name"),
                          ("machine_id,timestamp,amperes\nSAW,1764057600,-1\n", "line 2"),
                          ("machine_id,timestamp,amperes\nSAW,1764057600,1\n,1764057601,2\n",
                           "line 3")):
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(CsvError, match=message):
            list(read_csv(bad))


def test_report_kinds_and_shifts_read_as_people_write_them():
    assert [ReportKind.parse(w) for w in ("start", "FINISH", "scrap", "scrapped")] == [
        ReportKind.STARTED, ReportKind.FINISHED, ReportKind.SCRAPPED, ReportKind.SCRAPPED]
    with pytest.raises(ValueError):
        ReportKind.parse("pause")
    shifts = Shift.parse("mon-fri 08:00-17:30")
    assert [s.weekday for s in shifts] == [1, 2, 3, 4, 5]
    assert (shifts[0].start_minute, shifts[0].end_minute) == (480, 1050)
    assert Shift.parse("sun 22:00-30:00") == [Shift(7, 1320, 1800)]
