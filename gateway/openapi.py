"""The error answers every endpoint shares, written into the OpenAPI document.

Guards (gateway.auth), the exception handlers (gateway.errors) and the body limit are
app-wide, so what they answer is documented here once instead of on every handler:

- 401 / 403 for an operation that needs a bearer key (none or unknown; another role), and 429
  with Retry-After once a client address or key prefix has failed too often (gateway.limits);
- 404 for an operation whose path names something (an order, a machine, a key...) that may
  not exist, or a path parameter of the wrong type; not for PUT, which creates what it names;
- 422 with field-level errors for bad input. Litestar documents its own 400 for every
  operation with parameters or a body, but the gateway never sends it: a 400 becomes a 422
  (`bad_request_handler`), so the 400 is replaced;
- 413 for a body over the limit;
- 503 when PostgreSQL or a service cannot answer (retry; a retry never doubles an order).

Answers only some endpoints give (409 for a stale version or a state that forbids the
change) stay on their handlers.
"""

from __future__ import annotations

import re

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    PathItem,
    Reference,
    RequestBody,
)

from gateway.schemas.orders import ErrorBody

ERROR_BODY = Reference(ref="#/components/schemas/ErrorBody")
SHARED = {
    "401": "missing or unknown API key (Authorization: Bearer <key>)",
    "403": "the key's role may not use this endpoint",
    "404": "nothing with that name or id",
    "413": "the body is larger than the gateway accepts",
    "429": "too many failed API-key attempts from this address or for this key; retry after "
           "the seconds in Retry-After",
    "422": "bad input: `errors` names each field and what is wrong with it",
    "503": "PostgreSQL or a service cannot answer now; retry later (a retry never doubles an order)",
}
METHODS = ("get", "put", "post", "delete", "patch")
# `{channel:str}` in a route's path is `{channel}` in the document.
_TYPED_PARAMETER = re.compile(r"\{(\w+):\w+\}")


def error(code: str) -> OpenAPIResponse:
    return OpenAPIResponse(description=SHARED[code],
                           content={"application/json": OpenAPIMediaType(schema=ERROR_BODY)})


def document_shared_errors(app: Litestar) -> None:
    """Add the shared error answers to every operation of `app`'s OpenAPI document."""
    openapi = app.openapi_schema
    schemas = openapi.components.schemas or {}
    assert "ErrorBody" in schemas, "ErrorBody must be a component (handlers reference it)"
    for item in (openapi.paths or {}).values():
        for operation in (getattr(item, m) for m in METHODS):
            if operation is None:
                continue
            responses = operation.responses = dict(operation.responses or {})
            codes = ["503"]
            if responses.pop("400", None) is not None:
                codes.append("422")
            if operation.request_body is not None:
                codes += ["413", "422"]
            if any("bearer" in requirement for requirement in operation.security or []):
                codes += ["401", "403", "429"]
            if item.put is not operation and any(
                    getattr(p, "param_in", None) == "path" for p in operation.parameters or []):
                codes.append("404")
            for code in codes:
                responses.setdefault(code, error(code))


def document_raw_bodies(app: Litestar, bodies: dict[str, type]) -> None:
    """Document the JSON body of POST operations that read it raw (path → msgspec type).

    The shop webhooks verify the signature over the exact bytes before decoding them, so their
    handlers take the request, not a parsed body, and Litestar cannot see what they expect.
    The schemas come from msgspec, which decodes those bodies too, so the two cannot drift.
    They go in as JSON Schema dicts, which Litestar writes out as they are.
    """
    refs = _components(app, list(bodies.values()))
    for path, ref in zip(bodies, refs, strict=True):
        operation = app.openapi_schema.paths[path].post
        operation.request_body = RequestBody(required=True, content={
            "application/json": OpenAPIMediaType(schema=ref)})
        responses = operation.responses = dict(operation.responses or {})
        for code in ("413", "422"):
            responses.setdefault(code, error(code))


def document_plain_route(app: Litestar, path: str, operation: Operation, body: type,
                         answers: dict[int, tuple[type | None, str]]) -> None:
    """Document a POST route served as a plain ASGI handler (Litestar documents only its
    HTTP routes): `operation` with its JSON body (a msgspec type) and its answers, status →
    (msgspec type of the body, or None for ErrorBody; description). Call it before
    `document_shared_errors`, which adds the answers every route shares."""
    types = [body, ErrorBody, *{t for t, _ in answers.values() if t is not None} - {ErrorBody}]
    refs = dict(zip(types, _components(app, types), strict=True))
    operation.request_body = RequestBody(required=True, content={
        "application/json": OpenAPIMediaType(schema=refs[body])})
    operation.responses = {
        str(status): OpenAPIResponse(description=description, content={
            "application/json": OpenAPIMediaType(
                schema=refs[kind or ErrorBody])})
        for status, (kind, description) in answers.items()}
    paths = app.openapi_schema.paths = dict(app.openapi_schema.paths or {})
    template = _TYPED_PARAMETER.sub(r"{\1}", path)
    assert template not in paths, f"{template} is documented already"
    paths[template] = PathItem(post=operation)


def _components(app: Litestar, types: list[type]) -> list[Reference]:
    """References to the schemas msgspec writes for `types`, added to the document's
    components. A component of the same name is kept when it has the same fields (Litestar
    made it from the same Struct for another route); any other would be replaced: refused."""
    openapi = app.openapi_schema
    schemas = openapi.components.schemas = dict(openapi.components.schemas or {})
    refs, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}")
    for name, schema in components.items():
        existing = schemas.get(name)
        if existing is None:
            schemas[name] = schema
            continue
        fields = existing.to_schema() if hasattr(existing, "to_schema") else existing
        assert (set(fields.get("properties", {})), set(fields.get("required", []))) == (
            set(schema.get("properties", {})), set(schema.get("required", []))), \
            f"{name} would replace a schema Litestar made"
    return [Reference(ref=ref["$ref"]) for ref in refs]
