"""ConfiguratorService over gRPC: thin handlers; rules and planning live in the domain."""

from __future__ import annotations

import asyncio
import base64
import uuid

from google.protobuf import json_format

from dovetail.configurator.v1 import configurator_service_pb2 as pb
from dovetail.configurator.v1 import configurator_service_pb2_grpc as pb_grpc
from services.configurator import wire
from services.configurator.application import ConfiguratorApplication
from services.configurator.domain.catalogue_versions import whole_numbers
from services.configurator.domain.errors import (
    CatalogueMoved,
    CatalogueVersionUnknown,
    NotConfigured,
)
from services.configurator.domain.order_configuration import ConfigurationStatus
from services.configurator.domain.order_plan import describe, order_ref
from services.configurator.domain.plan_records import plan_result
from services.configurator.rpc import workshop
from services.configurator.rpc.products import category_of, product_to_pb
from services.kit.errors import Conflict, InvalidArgument, NotFound, Violations, raising_categories
from services.kit.rpc import current_principal
from services.kit.words import N_, Words

ANY_ROLE = ("admin", "factory", "channel", "designer")
# Who may call what.
ROLES = {
    "ListProducts": ANY_ROLE,
    "GetProduct": ANY_ROLE,
    "Configure": ("admin", "channel", "designer"),
    "GetOrderConfiguration": ("admin",),
    "PublishCatalogVersion": ("admin",),
}
MAX_QUANTITY = 1000
MAX_PAGE = 100
STATUS = {
    ConfigurationStatus.CONFIGURED: pb.CONFIGURATION_STATUS_CONFIGURED,
    ConfigurationStatus.REJECTED: pb.CONFIGURATION_STATUS_REJECTED,
    ConfigurationStatus.CANCELLED: pb.CONFIGURATION_STATUS_CANCELLED,
}


def _version(v: Violations, version: int, field: str = "catalog_version") -> int:
    v.check(version >= 0, field, N_("must be 0 (latest) or a published version"))
    return max(version, 0)


def _offset(token: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise InvalidArgument(Violations.one("page.page_token",
                                             N_("is not a token this service gave"))) from None


# The configurator's domain errors as the statuses callers get.
ERRORS = {CatalogueVersionUnknown: NotFound, NotConfigured: NotFound, CatalogueMoved: Conflict}


@raising_categories(ERRORS)
class ConfiguratorServicer(pb_grpc.ConfiguratorServiceServicer):
    def __init__(self, app: ConfiguratorApplication):
        self.app = app

    async def ListProducts(self, request: pb.ListProductsRequest, context) -> pb.ListProductsResponse:
        v = Violations()
        version = _version(v, request.catalog_version)
        v.check(request.page.page_size >= 0, "page.page_size", N_("must not be negative"))
        v.raise_if_any()
        catalogue = await asyncio.to_thread(self.app.catalogue, version)
        products = [p for code, p in catalogue.products.items()
                    if not request.category or category_of(code) == request.category]
        start, size = _offset(request.page.page_token), min(request.page.page_size or MAX_PAGE, MAX_PAGE)
        page = products[start:start + size]
        token = (base64.urlsafe_b64encode(str(start + size).encode()).decode()
                 if start + size < len(products) else "")
        return pb.ListProductsResponse(catalog_version=catalogue.version, next_page_token=token,
                                       products=[product_to_pb(catalogue, p) for p in page])

    async def GetProduct(self, request: pb.GetProductRequest, context) -> pb.GetProductResponse:
        v = Violations()
        version = _version(v, request.catalog_version)
        v.check(bool(request.code.strip()), "code", N_("is required, e.g. wardrobe"))
        v.raise_if_any()
        catalogue = await asyncio.to_thread(self.app.catalogue, version)
        product = catalogue.products.get(request.code.strip())
        if product is None:
            raise NotFound(Words.of(N_("catalogue version %(version)s has no product '%(code)s'; "
                                       "it has %(products)s"),
                version=catalogue.version, code=request.code,
                products=', '.join(catalogue.products)))
        return pb.GetProductResponse(product=product_to_pb(catalogue, product))

    async def Configure(self, request: pb.ConfigureRequest, context) -> pb.ConfigureResponse:
        v = Violations()
        version = _version(v, request.catalog_version)
        v.check(bool(request.product.strip()), "product", N_("is required, e.g. wardrobe"))
        v.check(0 <= request.quantity <= MAX_QUANTITY, "quantity",
                N_("must be 1 to %(n)s"),
                n=MAX_QUANTITY)
        v.raise_if_any()
        options = whole_numbers(json_format.MessageToDict(request.options))
        answer = await asyncio.to_thread(self.app.what_if, request.product.strip(), options,
                                         request.quantity or 1, version)
        if answer.configuration is None:
            return pb.ConfigureResponse(catalog_version=answer.catalog_version, rejection=pb.Rejection(
                reasons=[wire.reason_to_pb(r) for r in answer.plan.reasons]))
        plan = answer.plan
        catalogue = await asyncio.to_thread(self.app.catalogue, answer.catalog_version)
        result = plan_result(catalogue, plan)
        line = plan.lines[0]
        said = describe(answer.configuration, catalogue)
        spec = wire.line_spec_to_pb("1", line.quantity, answer.configuration, said.english(),
                                    result.packages, said)
        spec.nesting.CopyFrom(wire.nesting_summary_to_pb(result.nesting))
        if request.include_board_svg:
            spec.nesting.boards.extend(workshop.boards_to_pb(catalogue, plan.cut_plan, True))
        spec.routing.extend(wire.routing_to_pb(step) for step in result.routing)
        return pb.ConfigureResponse(catalog_version=answer.catalog_version, spec=spec)

    async def GetOrderConfiguration(self, request: pb.GetOrderConfigurationRequest,
                                    context) -> pb.GetOrderConfigurationResponse:
        try:
            order_id = str(uuid.UUID(request.order_id))
        except ValueError:
            raise InvalidArgument(Violations.one("order_id", N_("must be an order id (a UUID)"))) from None
        return pb.GetOrderConfigurationResponse(configuration=await asyncio.to_thread(
            self._order_configuration, order_id, request))

    def _order_configuration(self, order_id: str,
                             request: pb.GetOrderConfigurationRequest) -> pb.OrderConfiguration:
        c = self.app.order_configuration(order_id)
        if c.status is ConfigurationStatus.PENDING:
            raise NotFound(Words.of(N_("order %(order_id)s has not been configured yet"),
                order_id=order_id))
        out = pb.OrderConfiguration(
            order_id=order_id, status=STATUS[c.status], catalog_version=c.catalog_version,
            order_version=c.revision, configured_at=wire.timestamp(c.configured_at),
            rejection_reasons=[wire.reason_to_pb(r) for r in c.reasons],
            cancellation_reason=c.cancellation_reason,
            nesting_method=c.result.nesting_method if c.result else "")
        plan = self.app.order_plan(c)
        if plan is None or c.result is None:
            return out
        catalogue = self.app.catalogue(c.catalog_version)
        result = c.result
        # the plan made again says its lines and steps by the catalogue's names (an order
        # configured before they did keeps codes in what it stored)
        for line in plan.lines:
            said = describe(line.configuration, catalogue)
            out.lines.append(wire.line_spec_to_pb(
                line.line_id, line.quantity, line.configuration, said.english(),
                result.packages, said))
        out.nesting.CopyFrom(wire.nesting_summary_to_pb(result.nesting))
        out.nesting.boards.extend(workshop.boards_to_pb(catalogue, plan.cut_plan,
                                                        request.include_board_svg))
        steps = {step.operation_id: step.description_words for step in plan.routing}
        out.routing.extend(wire.routing_to_pb(step, steps.get(step.operation_id))
                           for step in result.routing)
        out.price.CopyFrom(wire.order_price_to_pb(result.price))
        out.packages.extend(wire.package_to_pb(p) for p in result.packages)
        if request.include_cut_lists:
            out.cut_lists.extend(workshop.cut_lists_to_pb(catalogue, plan.cut_plan,
                                                          order_ref(order_id)))
        if request.include_labels:
            out.labels.extend(workshop.labels_to_pb(plan.cut_plan, order_id, plan.part_lines))
        return out

    async def PublishCatalogVersion(self, request: pb.PublishCatalogVersionRequest,
                                    context) -> pb.PublishCatalogVersionResponse:
        v = Violations()
        v.check(request.HasField("catalog"), "catalog",
                N_("is required: the whole catalogue as data"))
        v.check(request.expected_latest_version >= 0, "expected_latest_version",
                N_("must be 0 (no check) or the latest version you edited from"))
        v.raise_if_any()
        document = json_format.MessageToDict(request.catalog)
        published = await asyncio.to_thread(
            self.app.publish_catalogue_version, document, request.expected_latest_version,
            request.note.strip(), str(current_principal()))
        return pb.PublishCatalogVersionResponse(
            catalog_version=published.catalog_version,
            published_at=wire.timestamp(published.created_on),
            product_codes=published.product_codes)

