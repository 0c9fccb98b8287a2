"""The catalogue as event-sourced aggregates: one immutable aggregate per published version,
and an index that knows the latest. Both are saved in one transaction, with deterministic
ids, so two admins publishing at once cannot both become version n."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from services.configurator.catalogue import (
    Catalogue,
    PlainDataError,
    Rejection,
    configure,
    unknown_rule_kinds,
)
from services.kit.errors import FieldViolation, InvalidArgument
from services.kit.words import N_

CATALOGUE_NAMESPACE = uuid.UUID("2d7b8f0e-5c1a-4e3b-9f6d-8a4c2e1b7d30")
MAX_VERSION_NOTE = 500


def catalogue_version_id(version: int) -> uuid.UUID:
    return uuid.uuid5(CATALOGUE_NAMESPACE, f"catalogue-version:{version}")


def catalogue_index_id() -> uuid.UUID:
    return uuid.uuid5(CATALOGUE_NAMESPACE, "catalogue-index")


# A catalogue inside an event is stored as its plain document (Catalogue.to_dict), under this
# name: a stored contract, like an event's topic.
STORED_CATALOGUE = "configurator.catalogue"


class CatalogueVersion(Aggregate):
    """One published catalogue version; never changes once published."""

    class Published(Aggregate.Created):
        """v2: the catalogue is a `Catalogue`, stored through the application's transcodings
        (v1 kept its plain document, under `document`)."""

        class_version = 2
        version: int
        catalogue: Catalogue
        previous_version: int
        published_by: str
        note: str
        product_codes: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["catalogue"] = Catalogue.from_dict(state.pop("document"))

    @staticmethod
    def create_id(version: int) -> uuid.UUID:
        return catalogue_version_id(version)

    @event(Published)
    def __init__(self, version: int, catalogue: Catalogue, previous_version: int,
                 published_by: str, note: str, product_codes: list[str]):
        self.catalog_version = version
        self.catalogue = catalogue
        self.previous_version = previous_version
        self.published_by = published_by
        self.note = note
        self.product_codes = product_codes


class CatalogueIndex(Aggregate):
    """The versions published so far; the last one is what new orders are configured with."""

    @staticmethod
    def create_id() -> uuid.UUID:
        return catalogue_index_id()

    @event("Started")
    def __init__(self) -> None:
        self.versions: list[int] = []

    @property
    def latest(self) -> int:
        return self.versions[-1] if self.versions else 0

    @event("VersionAdded")
    def add_version(self, version: int) -> None:
        self.versions.append(version)


# Events stored before this module and its classes were renamed (issue 16) name the old ones.
register_topic("services.configurator.domain.catalog:CatalogVersion", CatalogueVersion)
register_topic("services.configurator.domain.catalog:CatalogIndex", CatalogueIndex)


def publish(index: CatalogueIndex, catalogue: Catalogue, published_by: str,
            note: str) -> CatalogueVersion:
    """Record `catalogue` as the version after the index's latest."""
    version = index.latest + 1
    published = CatalogueVersion(version=version, catalogue=catalogue.with_version(version),
                               previous_version=index.latest, published_by=published_by,
                               note=note[:MAX_VERSION_NOTE], product_codes=list(catalogue.products))
    index.add_version(version)
    return published


def validate_document(document: Any, version: int) -> Catalogue:
    """A catalogue document as an admin sends it → a `Catalogue`, or every reason it is not one.

    The `version` inside the document is ignored: the service numbers versions.
    """
    if not isinstance(document, dict) or not document:
        raise InvalidArgument(FieldViolation.of("catalog",
                                                N_("is required: the whole catalogue as data")))
    try:
        catalogue = Catalogue.from_dict(whole_numbers(document | {"version": version}))
    except PlainDataError as exc:
        raise InvalidArgument(_codec_violations(exc)) from None
    violations = _reference_violations(catalogue)
    violations += [
        FieldViolation.of(f"catalog.products.{kind.split(':')[0]}.rules",
                       N_("rule kind '%(kind)s' is not one this configurator knows"),
                       kind=kind.split(':', 1)[1])
        for kind in unknown_rule_kinds(catalogue)
    ]
    if not violations:
        violations = _smoke_violations(catalogue)
    if violations:
        raise InvalidArgument(violations)
    return catalogue


def whole_numbers(value: Any) -> Any:
    """JSON and protobuf Struct carry every number as a float: keep whole ones whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def _codec_violations(error: PlainDataError) -> list[FieldViolation]:
    """Each misfit of the document as a violation of the field it names, in words."""
    return [FieldViolation("catalog" + m.where.removeprefix("$"), m.words.english(), m.words)
            for m in error.misfits]


def _reference_violations(catalogue: Catalogue) -> list[FieldViolation]:
    """Names a product or the joinery use must exist in the same document."""
    out: list[FieldViolation] = []
    if len(catalogue.currency) != 3 or not catalogue.currency.isupper():
        out.append(FieldViolation.of("catalog.currency", N_("must be an ISO 4217 code, e.g. CNY")))
    if not catalogue.products:
        out.append(FieldViolation.of("catalog.products", N_("must hold at least one product")))
    for code, board in catalogue.boards.items():
        if not board.sheets:
            out.append(FieldViolation.of(f"catalog.boards.{code}.sheets",
                                         N_("must list a sheet size")))
    for code, product in catalogue.products.items():
        where = f"catalog.products.{code}"
        if product.code != code:
            out.append(FieldViolation.of(f"{where}.code",
                                         N_("must be '%(code)s', the key it is under"),
                                         code=code))
        for field, names, table in (("boards", product.boards, catalogue.boards),
                                    ("finishes", product.finishes, catalogue.finishes),
                                    ("door_styles", product.door_styles, catalogue.door_styles),
                                    ("handles", product.handles, catalogue.hardware)):
            missing = [n for n in names if n not in table]
            if missing:
                out.append(FieldViolation.of(
                    f"{where}.{field}", N_("names %(names)s, not in catalog.%(table)s"),
                    names=", ".join(missing), table=field if field != "handles" else "hardware"))
    j = catalogue.joinery
    for field, name, offered in (("back_board", j.back_board, catalogue.boards),
                                 ("drawer_board", j.drawer_board, catalogue.boards),
                                 ("back_finish", j.back_finish, catalogue.finishes),
                                 ("drawer_finish", j.drawer_finish, catalogue.finishes),
                                 ("front_band", j.front_band, catalogue.edge_bands),
                                 ("hidden_band", j.hidden_band, catalogue.edge_bands),
                                 ("connector", j.connector, catalogue.hardware),
                                 ("dowel", j.dowel, catalogue.hardware),
                                 ("shelf_pin", j.shelf_pin, catalogue.hardware),
                                 ("drawer_slide", j.drawer_slide, catalogue.hardware)):
        if name not in offered:
            out.append(FieldViolation.of(f"catalog.joinery.{field}",
                                         N_("'%(name)s' is not in the catalogue"),
                                         name=name))
    return out


def _smoke_violations(catalogue: Catalogue) -> list[FieldViolation]:
    """Configure every product at its defaults and range ends: a catalogue the configurator
    cannot evaluate would stop every order on it, so it is refused before it is published."""
    out = []
    for code, product in catalogue.products.items():
        for end in (N_("minimum"), N_("maximum")):  # said in the reader's language too
            options = {name: getattr(p, end) for name, p in product.parameters.items()
                       if name.endswith("_mm")}
            try:
                result = configure(catalogue, code, options)
            except Exception as exc:  # noqa: BLE001 - any failure is a reason to refuse
                out.append(FieldViolation.of(
                    f"catalog.products.{code}",
                    N_("configuring it at its %(end)s sizes fails: %(error)s"), end=end,
                    error=repr(exc)))
                break
            if not isinstance(result, Rejection) and result.price.total <= 0:
                out.append(FieldViolation.of(f"catalog.products.{code}",
                                          N_("prices to %(total)s at its %(end)s sizes"),
                                          total=result.price.total, end=end))
                break
    return out
