"""The factory SDK's catalogue holds every template the services it calls can send it, said as
the gateway says them (infra/factory_words.py, `python -m infra.catalogue`; issue 19, item 3):
a template missing from it, left untranslated or translated otherwise fails, and a run of the
catalogue step brings it back."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from infra import factory_words
from infra.catalogue import FACTORY_CLI, ROOT, problems, update

pytestmark = pytest.mark.unit

PO = ("zh_CN", "LC_MESSAGES", "dovetail_factory.po")


def test_the_services_the_sdk_calls_are_found_with_their_servicers():
    called = factory_words.services_called()
    assert called == {"IotService", "SchedulingService", "StockService"}
    found = {name: path.relative_to(ROOT).as_posix()
             for name, path in factory_words.servicers(called).items()}
    assert found == {"IotService": "services/iot/rpc/servicer.py",
                     "SchedulingService": "services/scheduling/rpc/servicer.py",
                     "StockService": "services/configurator/rpc/stock.py"}
    with pytest.raises(LookupError, match="NoSuchService"):
        factory_words.servicers({"NoSuchService"})


def test_the_modules_whose_words_the_sdk_can_meet_are_those_the_servicers_import():
    sources = {path.relative_to(ROOT).as_posix() for path in factory_words.sources()}
    # where the refusals of RegisterMachine, ReportOperation and ReceiveBoards are written,
    # the NUL check every request passes, and iot's machine-state reasons
    assert {"services/iot/domain/registry.py", "services/scheduling/rpc/servicer.py",
            "services/configurator/domain/board_stock.py", "services/kit/rpc.py",
            "services/iot/domain/tracker.py"} <= sources
    assert not any(s.startswith(("services/orders/", "services/delivery/",
                                 "services/outbound/")) for s in sources)


@pytest.fixture
def sdk_catalogue(tmp_path):
    """The factory CLI's catalogue domain with its .po copied to a scratch folder."""
    locale_dir = tmp_path / "locale"
    (locale_dir / PO[0] / PO[1]).mkdir(parents=True)
    shutil.copy(FACTORY_CLI.po("zh_CN"), locale_dir.joinpath(*PO))
    return dataclasses.replace(FACTORY_CLI, locale_dir=locale_dir)


def edited(domain, msgid: str, translation: str | None) -> None:
    """The scratch catalogue with `msgid` translated otherwise, or gone (None)."""
    path = domain.po("zh_CN")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    if translation is None:
        del catalog[msgid]
    else:
        catalog[msgid].string = translation
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, include_lineno=False)


MACHINE_ID = "must be 1-64 letters, digits, '-' or '_'"  # iot's RegisterMachine
SCRAP = "must not be negative"  # scheduling's ReportOperation


def test_a_service_template_missing_or_not_as_the_gateway_says_it_fails_until_updated(
        sdk_catalogue):
    edited(sdk_catalogue, MACHINE_ID, None)
    edited(sdk_catalogue, SCRAP, "须为 1–64 个字符")
    found = sorted(problem.split(": ", 1)[1] for problem in problems(sdk_catalogue))
    assert found == [f"not as the gateway says it (run python -m infra.catalogue): {SCRAP!r}",
                     f"not in the catalogue: {MACHINE_ID!r}"]

    update(sdk_catalogue)  # python -m infra.catalogue
    assert problems(sdk_catalogue) == []
    assert sdk_catalogue.po("zh_CN").read_text() == FACTORY_CLI.po("zh_CN").read_text()


def test_the_refusals_of_the_services_the_sdk_calls_are_in_its_catalogue_in_chinese():
    """Domain refusals are words too (issue 19, item 3): the SDK's catalogue holds those of
    the services it calls (a report out of order, a machine not registered, a batch nested
    twice), translated, and none of the services it does not call (orders)."""
    with FACTORY_CLI.po("zh_CN").open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    met = {
        "operation %(name)s cannot be finished: it is planned, report it started first":
            "工序 %(name)s 还没开工，不能报完工：请先报开工",
        "operation %(name)s has already started": "工序 %(name)s 已经开工",
        "machine %(machine_id)s is not registered": "设备 %(machine_id)s 未登记",
        "batch %(batch)s already holds boards at %(factory_id)s":
            "批次 %(batch)s 已在 %(factory_id)s 预留了板材",
        "%(role)s may not call %(method)s": "%(role)s 无权调用 %(method)s"}
    assert {msgid: catalog[msgid].string for msgid in met if msgid in catalog} == met
    assert "a cancelled order cannot be amended" not in catalog
