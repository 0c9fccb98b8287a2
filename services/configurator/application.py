"""The configurator application: load → act → save. No wire types here.

Catalogue versions are immutable once published, so each is decoded once and kept in
memory; which version is latest is read from the index every time (another replica may
have published one).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from services.configurator.catalogue import Catalogue, Configuration, Rejection, seed_catalogue
from services.configurator.domain.batch_layout import STORED_VALUES as LAYOUT_VALUES
from services.configurator.domain.board_stock import STORED_VALUES as STOCK_VALUES
from services.configurator.domain.catalogue_versions import (
    STORED_CATALOGUE,
    CatalogueIndex,
    CatalogueVersion,
    catalogue_index_id,
    catalogue_version_id,
    publish,
    validate_document,
)
from services.configurator.domain.errors import (
    CatalogueMoved,
    CatalogueVersionUnknown,
    NotConfigured,
)
from services.configurator.domain.order_configuration import (
    OrderConfiguration,
    configuration_id,
)
from services.configurator.domain.order_plan import LineRequest, OrderPlan, plan_order
from services.configurator.domain.plan_records import (
    STORED_VALUES,
    plan_lines,
    plan_result,
    rejection_reasons,
)
from services.kit.persistence import ServiceApplication
from services.kit.stored_values import ValueAsDocument, register_values
from services.kit.words import N_, Words


@dataclass(frozen=True)
class OrderRevision:
    """What orders says an order (revision) is made of."""

    order_id: str
    revision: int
    lines: list[LineRequest]
    promised_date: str  # ISO date or ""


@dataclass(frozen=True)
class WhatIf:
    catalog_version: int
    configuration: Configuration | None
    plan: OrderPlan | Rejection


class ConfiguratorApplication(ServiceApplication):
    name = "configurator"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)
        register_values(transcoder, STOCK_VALUES)  # board stock (board_stock.py, issue 20)
        register_values(transcoder, LAYOUT_VALUES)  # batch layouts (batch_layout.py, issue 20)
        transcoder.register(ValueAsDocument(Catalogue, STORED_CATALOGUE))

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self._catalogues: dict[int, Catalogue] = {}
        self._lock = threading.Lock()
        self._batch = threading.local()  # see configurations_read_together

    # --- catalogue ---------------------------------------------------------------

    def ensure_seed_catalogue(self) -> int:
        """Publish the seed catalogue as version 1 unless a catalogue exists (idempotent)."""
        index = self._index()
        if index is not None:
            return index.latest
        index = CatalogueIndex()
        version = publish(index, seed_catalogue(), published_by="seed", note="seed catalogue")
        try:
            self.save(index, version)
        except IntegrityError:
            pass  # another replica seeded it at the same moment
        return 1

    def latest_version(self) -> int:
        index = self._index()
        return index.latest if index is not None else self.ensure_seed_catalogue()

    def catalogue(self, version: int = 0) -> Catalogue:
        """One catalogue version (0: the latest); CatalogueVersionUnknown for one never published."""
        version = version or getattr(self._batch, "latest", 0) or self.latest_version()
        cached = self._catalogues.get(version)
        if cached is not None:
            return cached
        try:
            published: CatalogueVersion = self.repository.get(catalogue_version_id(version))
        except AggregateNotFoundError:
            raise CatalogueVersionUnknown(Words.of(N_("catalogue version %(version)s has not been "
                                                      "published"),
                version=version)) from None
        catalogue = published.catalogue
        with self._lock:
            self._catalogues[version] = catalogue
        return catalogue

    def publish_catalogue_version(self, document: Any, expected_latest: int, note: str,
                                  published_by: str) -> CatalogueVersion:
        """Validate and record a new version; a stale `expected_latest` is CatalogueMoved."""
        index = self._index()
        if index is None:
            self.ensure_seed_catalogue()
            index = self._index()
        assert index is not None
        if expected_latest and expected_latest != index.latest:
            raise CatalogueMoved(Words.of(N_("the latest catalogue version is %(latest)s, not "
                                             "%(expected_latest)s: read it again and re-apply "
                                             "your changes"),
                latest=index.latest, expected_latest=expected_latest))
        catalogue = validate_document(document, index.latest + 1)
        published = publish(index, catalogue, published_by=published_by, note=note)
        try:
            self.save(index, published)
        except IntegrityError:
            raise CatalogueMoved(Words.of(N_("another catalogue version was published at the same "
                                             "moment; read the latest and retry"))) from None
        with self._lock:
            self._catalogues[published.catalog_version] = catalogue
        return published

    def _index(self) -> CatalogueIndex | None:
        try:
            return self.repository.get(catalogue_index_id())
        except AggregateNotFoundError:
            return None

    # --- what-if ------------------------------------------------------------------

    def what_if(self, product: str, options: dict[str, Any], quantity: int,
                version: int = 0) -> WhatIf:
        """Configure one piece (times `quantity`) without an order; nothing is recorded.

        Uses the quick nesting: a what-if answers in milliseconds; an order's workshop
        plan uses the best nesting and may need a board less.
        """
        catalogue = self.catalogue(version)
        plan = plan_order(catalogue, "whatif", [LineRequest("1", product, quantity, options)],
                          nesting_method="quick")
        if isinstance(plan, tuple):
            return WhatIf(catalogue.version, None,
                          Rejection(product, catalogue.version, tuple(r.reason for r in plan)))
        return WhatIf(catalogue.version, plan.lines[0].configuration, plan)

    # --- orders ---------------------------------------------------------------------

    def order_configuration(self, order_id: uuid.UUID | str) -> OrderConfiguration:
        try:
            return self.repository.get(configuration_id(str(order_id)))
        except AggregateNotFoundError:
            raise NotConfigured(Words.of(N_("order %(order_id)s has no configuration (yet)"),
                order_id=order_id)) from None

    def order_plan(self, configuration: OrderConfiguration) -> OrderPlan | None:
        """The configured order's plan, recomputed from its pinned catalogue version."""
        if configuration.result is None:
            return None
        catalogue = self.catalogue(configuration.catalog_version)
        plan = plan_order(catalogue, configuration.order_id, list(configuration.requests),
                          nesting_method=configuration.result.nesting_method)
        return plan if isinstance(plan, OrderPlan) else None

    def configure_revision(self, request: OrderRevision, cause: str) -> OrderConfiguration | None:
        """Configure a placed or amended order revision; None when it is stale or cancelled.

        The aggregate is returned with its pending events for the caller to save with its
        tracking record (a policy) — nothing is saved here.
        """
        configuration = self._open(request.order_id)
        if not configuration.accepts(request.revision):
            return None
        # An amended order keeps the catalogue version it was first configured with.
        catalogue = self.catalogue(configuration.pinned_version)
        plan = plan_order(catalogue, request.order_id, request.lines)
        now = datetime.now(UTC).isoformat()
        if isinstance(plan, OrderPlan):
            configuration.record_configured(
                revision=request.revision, catalog_version=catalogue.version,
                promised_date=request.promised_date, lines=plan_lines(plan, catalogue),
                result=plan_result(catalogue, plan), configured_at=now, cause=cause)
        else:
            configuration.record_rejected(
                revision=request.revision, catalog_version=catalogue.version,
                promised_date=request.promised_date, lines=list(request.lines),
                reasons=rejection_reasons(plan), configured_at=now, cause=cause)
        return configuration

    def cancel_order(self, order_id: str, reason: str, cause: str) -> OrderConfiguration | None:
        configuration = self._open(order_id)
        return configuration if configuration.cancel(reason, cause) else None

    @contextlib.contextmanager
    def configurations_read_together(self, order_ids: Collection[str]) -> Iterator[None]:
        """Within this context (in this thread), a consumer batch's orders: which have a
        configuration is asked with one query, and the latest catalogue version is read
        once. A placed order (most of them) has none, and reading each cost two queries
        apiece, and the catalogue index two more. A configuration stored meanwhile by
        another writer makes the batch's save fail (its version 1 is taken); the consumer
        then applies the events again one at a time, outside this context."""
        keys = {configuration_id(o) for o in order_ids}
        self._batch.absent = keys - self.stored_among(keys) if keys else set()
        self._batch.latest = self.latest_version()
        try:
            yield
        finally:
            self._batch.absent, self._batch.latest = set(), 0

    def _open(self, order_id: str) -> OrderConfiguration:
        key = configuration_id(order_id)
        absent: set[uuid.UUID] = getattr(self._batch, "absent", set())
        if key in absent:
            absent.discard(key)  # created once: a second event about it in the batch reads
            return OrderConfiguration(order_id=order_id)
        try:
            return self.repository.get(configuration_id(order_id))
        except AggregateNotFoundError:
            return OrderConfiguration(order_id=order_id)

