"""Every problem with a webhook body at once, each named by its JSON Pointer (RFC 6901).

msgspec decodes fast and stops at the first error; only a body it refuses is checked again,
against the JSON Schema msgspec writes for the same type, by jsonschema_rs, which reports every
error. So a good body costs nothing more, and a bad one hears all that is wrong with it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema_rs
import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.utils.scope.state import ScopeState

from gateway.bodies import UndecodableBody
from gateway.errors import ServiceError, field_of
from gateway.schemas.orders import ErrorBody, FieldError

MAX_PROBLEMS = 50
_REQUIRED = re.compile(r'^"(?P<name>(?:[^"\\]|\\.)*)" is a required property')
_UNEXPECTED = re.compile(r"^Additional properties are not allowed \((?P<names>.*) (?:was|were) "
                         r"unexpected\)")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_DOTTED = re.compile(r"\[(\d+)\]|\.")


def pointer(parts: list[Any] | tuple[Any, ...]) -> str:
    """A JSON Pointer from path parts ("~" and "/" escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_of_dotted(path: str) -> str:
    """`customer.address.country`, `items[0].quantity` (msgspec and the services' field
    paths) as JSON Pointers; "body" and pointers stay as they are."""
    if not path or path == "body" or path.startswith("/"):
        return path
    return pointer([p for p in _DOTTED.split(path) if p])


def _null_or(schema: Any) -> Any:
    """`anyOf: [X, null]` (msgspec's optional field) as `if null then anything else X`, so a
    wrong value is named inside X ("/total/amount"), not as "/total matches nothing"."""
    if isinstance(schema, list):
        return [_null_or(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _null_or(v) for k, v in schema.items()}
    branches = schema.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        [other] = [b for b in branches if b != {"type": "null"}]
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**rest, "if": {"type": "null"}, "then": True, "else": other}
    return schema


@cache
def _validator(payload: type) -> Any:
    return jsonschema_rs.validator_for(_null_or(msgspec.json.schema(payload)))


def problems(document: Any, payload: type) -> list[dict[str, str]]:
    """Every way `document` (decoded JSON) does not fit `payload`, as {key: pointer, message}."""
    found = []
    for error in _validator(payload).iter_errors(document):
        parts = list(error.instance_path)
        message = error.message[:300]
        required = _REQUIRED.match(error.message)
        if required:
            parts.append(required.group("name"))
            message = "is required"
        unexpected = _UNEXPECTED.match(error.message)
        for name in _QUOTED.findall(unexpected.group("names")) if unexpected else [None]:
            at = pointer(parts + [name] if name is not None else parts)
            found.append({"key": at or "body", "message": "is not a field of this body"
                          if name is not None else message})
        if len(found) >= MAX_PROBLEMS:
            break
    return found


def _first_only(message: str) -> list[dict[str, str]]:
    field, text = field_of(message, "body")
    return [{"key": pointer_of_dotted(field), "message": text}]


def decode(body: bytes, payload: type) -> Any:
    """`body` as `payload`; a body that does not fit raises ValidationException naming every
    problem by JSON Pointer."""
    try:
        return msgspec.json.decode(body, type=payload)
    except msgspec.DecodeError as exc:  # a ValidationError is one too
        first = _first_only(str(exc))
    try:  # msgspec stops at the first error: JSON malformed further on is found here
        found = problems(msgspec.json.decode(body), payload) or first
    except msgspec.DecodeError as exc:
        found = _first_only(str(exc))
    raise ValidationException("body does not fit", extra=found)


def fit(document: Any, payload: type) -> Any:
    """`document` (decoded JSON) as `payload`, converted as Litestar converts a handler's
    body (not strictly: "2" for a number is taken as 2); a document that does not fit raises
    ValidationException naming every problem by JSON Pointer."""
    try:
        return msgspec.convert(document, payload, strict=False, str_keys=True)
    except msgspec.ValidationError as exc:
        found = problems(document, payload) or _first_only(str(exc))
    raise ValidationException("body does not fit", extra=found)


def with_pointers(error: ServiceError) -> ServiceError:
    """A service's field errors (dotted paths) named by JSON Pointer, as webhook answers are."""
    error.errors = [FieldError(pointer_of_dotted(e.field), e.message) for e in error.errors]
    return error


def every_problem_handler(payload: type):
    """A webhook route's answer to a ValidationException: 422 with every problem by JSON
    Pointer. When the body itself does not fit `payload` (the framework's msgspec decode
    stops at the first error) every problem with it is named; otherwise the exception's own."""

    def handle(request: Request, exc: ValidationException) -> Response:
        found: list[dict[str, str]] = []
        body = ScopeState.from_scope(request.scope).body
        if isinstance(body, bytes) and not isinstance(exc, UndecodableBody):
            try:
                found = problems(msgspec.json.decode(body), payload)
            except msgspec.DecodeError:
                found = []
        errors = [FieldError(f["key"], f["message"]) for f in found]
        for item in [] if errors else exc.extra or []:
            if isinstance(item, dict):
                field, text = field_of(str(item.get("message", exc.detail)),
                                       str(item.get("key") or ""))
                errors.append(FieldError(pointer_of_dotted(field), text))
        errors = errors or [FieldError("body", exc.detail)]
        return Response(ErrorBody(422, "request body does not fit", errors), status_code=422)

    return handle
