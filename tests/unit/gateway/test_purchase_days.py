"""The purchases page says the day boards are needed on the factory's clock, its zone named
(issue 19, item 3): a batch nested at 17:30 UTC on 6 December is needed on the 7th in Foshan."""

from __future__ import annotations

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway.factory_directory import FactoryEntry
from gateway.portal.purchases import proposal_row

FOSHAN = FactoryEntry("f-foshan", "Foshan Panels", "Asia/Shanghai")


def proposal(needed_at: str, needed_by: str) -> pb.PurchaseProposal:
    return pb.PurchaseProposal(factory_id="f-foshan", shortage=pb.Shortage(
        kind=pb.BoardKind(material="particleboard-18", length_mm=2800, width_mm=2070),
        short=3, to_order=3, needed_by=needed_by, needed_at=needed_at, waits=True))


def test_a_batch_nested_before_midnight_utc_is_needed_the_next_day_in_shanghai():
    row = proposal_row(proposal("2026-12-06T17:30:00+00:00", "2026-12-06"), FOSHAN)
    assert (row.needed_by, row.zone) == ("2026-12-07", "Asia/Shanghai")


def test_the_day_follows_the_factorys_zone():
    kent = FactoryEntry("f-foshan", "Kent Joinery", "Europe/London")
    row = proposal_row(proposal("2026-12-06T17:30:00+00:00", "2026-12-06"), kent)
    assert (row.needed_by, row.zone) == ("2026-12-06", "Europe/London")


def test_no_batch_short_yet_has_no_day():
    assert proposal_row(proposal("", ""), FOSHAN).needed_by == ""


def test_the_stock_explanation_says_the_day_needed_on_the_factorys_clock(chinese):
    """The workspace's stock page and REST explain a shortage with the same day."""
    from gateway.controllers.stock import explain

    shortage = proposal("2026-12-06T17:30:00+00:00", "2026-12-06").shortage
    said = explain(shortage, "f-foshan", "Asia/Shanghai")
    assert "2026年12月7日" in said and "2026-12-06" not in said


def test_the_rest_explanation_says_the_factorys_day_whatever_the_readers_zone(chinese):
    """REST's shortage names the day on the factory's clock GetStock names, like needed_by,
    not on the reader's (a reader in Berlin would read 6 December)."""
    from gateway import i18n
    from gateway.controllers.stock import stock_read

    shortage = proposal("2026-12-06T17:30:00+00:00", "2026-12-07").shortage
    stock = pb.FactoryStock(factory_id="f-foshan", time_zone="Asia/Shanghai",
                            shortages=[shortage])
    i18n.use_zone("Europe/Berlin")  # the reader's zone
    try:
        read = stock_read(stock).shortages[0]
    finally:
        i18n.use_zone(i18n.DEFAULT_ZONE)
    assert read.needed_by == "2026-12-07"
    assert "2026年12月7日" in read.explanation and "12月6日" not in read.explanation
