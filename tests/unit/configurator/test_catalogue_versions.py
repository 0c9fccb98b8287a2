"""Catalogue versions stored before the rename (issue 16) still load as the renamed aggregates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eventsourcing.application import Application

from services.configurator.domain.catalogue_versions import (
    CatalogueIndex,
    CatalogueVersion,
    publish,
)

pytestmark = pytest.mark.unit

OLD_MODULE = "services.configurator.domain.catalog"


def test_a_version_stored_under_the_old_topics_comes_back_as_a_catalogue_version(catalogue):
    app = Application()
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
    assert rebuilt_version.catalogue().to_dict() == version.catalogue().to_dict()
    rebuilt_index = None
    for e in events:
        if e.originator_id == index.id:
            rebuilt_index = e.mutate(rebuilt_index)
    assert isinstance(rebuilt_index, CatalogueIndex) and rebuilt_index.latest == 1
