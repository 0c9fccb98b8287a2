"""Catalogue versions stored before the rename (issue 16) still load as the renamed aggregates;
versions stored with the catalogue as a plain document (v1, data/catalogue_published_v1.json as
that code wrote it) load as a `Catalogue` and new ones follow as v2."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from services.configurator.application import ConfiguratorApplication
from services.configurator.catalogue import Catalogue, seed_catalogue
from services.configurator.domain.catalogue_versions import (
    CatalogueIndex,
    CatalogueVersion,
    catalogue_version_id,
    publish,
)

pytestmark = pytest.mark.unit

OLD_MODULE = "services.configurator.domain.catalog"


def test_a_version_stored_under_the_old_topics_comes_back_as_a_catalogue_version(catalogue):
    app = ConfiguratorApplication()
    index = CatalogueIndex()
    version = publish(index, catalogue, published_by="admin", note="first")
    mapper = app.mapper
    stored = [mapper.to_stored_event(e) for e in (*index.collect_events(),
                                                 *version.collect_events())]
    old = [replace(s, topic=s.topic.replace(
        "services.configurator.domain.catalogue_versions:Catalogue", f"{OLD_MODULE}:Catalog"))
        for s in stored]
    assert all(s.topic.startswith(f"{OLD_MODULE}:Catalog") for s in old)

    events = [mapper.to_domain_event(s) for s in old]
    rebuilt_version = None
    for e in events:
        if e.originator_id == version.id:
            rebuilt_version = e.mutate(rebuilt_version)
    assert isinstance(rebuilt_version, CatalogueVersion)
    assert rebuilt_version.catalogue == version.catalogue
    rebuilt_index = None
    for e in events:
        if e.originator_id == index.id:
            rebuilt_index = e.mutate(rebuilt_index)
    assert isinstance(rebuilt_index, CatalogueIndex) and rebuilt_index.latest == 1


V1_STORED = json.loads((Path(__file__).parent / "data" / "catalogue_published_v1.json").read_text())


def test_a_version_stored_as_a_plain_document_loads_as_a_catalogue_and_the_next_is_v2():
    app = ConfiguratorApplication()
    app.recorder.insert_events([
        StoredEvent(uuid.UUID(e["originator_id"]), e["originator_version"], e["topic"],
                    json.dumps(e["state"]).encode()) for e in V1_STORED])
    assert "class_version" not in V1_STORED[-1]["state"] and "document" in V1_STORED[-1]["state"]

    assert app.latest_version() == 1
    loaded = app.catalogue(1)
    assert isinstance(loaded, Catalogue) and loaded == seed_catalogue().with_version(1)
    assert app.what_if("wardrobe", {"width_mm": 1200, "height_mm": 2000, "depth_mm": 600},
                       1).configuration is not None

    app.publish_catalogue_version(seed_catalogue().to_dict(), 1, "again", "admin")
    [published] = app.recorder.select_events(catalogue_version_id(2))
    state = json.loads(published.state)
    assert state["class_version"] == 2 and "document" not in state
    assert state["catalogue"]["_type_"] == "configurator.catalogue"
    assert app.catalogue(2) == seed_catalogue().with_version(2)
