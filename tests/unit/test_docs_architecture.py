"""docs/architecture.md has a row for every room of the services and the gateway: each
directory and module below `services/<service>/` and `gateway/` is linked from it (that each
link leads somewhere is tests/unit/test_docs_links.py's job)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_docs_links import ROOT, links

pytestmark = pytest.mark.unit

ARCHITECTURE = ROOT / "docs" / "architecture.md"
HOUSES = sorted([*(p for p in (ROOT / "services").iterdir()
                   if p.is_dir() and not p.name.startswith("__")), ROOT / "gateway"])


def rooms(house: Path) -> list[Path]:
    """The directories, modules and README directly inside `house`."""
    return sorted(p for p in house.iterdir()
                  if not p.name.startswith((".", "__")) and not p.name.endswith(".egg-info")
                  and (p.is_dir() or p.suffix == ".py" or p.name == "README.md"))


def unlisted(document: Path, houses: list[Path], root: Path = ROOT) -> list[str]:
    """The rooms of `houses` no link of `document` leads to, relative to `root`."""
    linked = {(document.parent / target.split("#")[0]).resolve()
              for target in links(document) if "://" not in target}
    return [str(room.relative_to(root)) for house in houses for room in rooms(house)
            if room.resolve() not in linked]


@pytest.mark.parametrize("house", HOUSES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_room_has_its_row(house):
    assert unlisted(ARCHITECTURE, [house]) == []


def test_a_room_without_a_row_is_named(tmp_path):
    house = tmp_path / "services" / "shop"
    (house / "domain").mkdir(parents=True)
    for name in ("__init__.py", "main.py", "stock.py"):
        (house / name).write_text("")
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "architecture.md"
    doc.write_text("[`domain/`](../services/shop/domain/) [`main.py`](../services/shop/main.py)\n")
    assert unlisted(doc, [house], tmp_path) == ["services/shop/stock.py"]
