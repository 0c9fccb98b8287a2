"""What a plain ASGI route of the app needs that Litestar's Request and Response would give:
the body within the app's limit, one header, a JSON answer; and its path parameters.

Refusals are Litestar's own exceptions, so the app's handlers answer them as they answer any
route's (413 for a body over the limit, as `Request.body()` raises it).
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
from litestar import Litestar
from litestar.exceptions import InternalServerException, MethodNotAllowedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Receive, Scope, Send

_JSON = (b"content-type", b"application/json")
_encode = msgspec.json.Encoder().encode
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def route_path_parameters(app: Litestar) -> None:
    """Let HTTP requests reach the app's ASGI routes that have path parameters.

    Litestar 2.25 keeps such a route's parameters under "asgi" in its routing trie but looks
    them up under the request's method (`parse_path_to_route`): every request to the route
    would be a KeyError, answered 500. Call once the app is built; the parameters are then
    kept under each HTTP method as well."""
    nodes: list[Any] = [app.asgi_router.root_route_map_node]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children.values())
        if node.is_asgi and "asgi" in node.path_parameters:
            for method in HTTP_METHODS:
                node.path_parameters.setdefault(method, node.path_parameters["asgi"])


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower-case bytes, as ASGI names them), as text."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def body(scope: Scope, receive: Receive) -> bytes:
    """The whole body; RequestEntityTooLarge above the app's `request_max_body_size` (told by
    Content-Length before anything is read, else counted as it arrives)."""
    limit = scope["litestar_app"].request_max_body_size or math.inf
    announced = header(scope, b"content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise RequestEntityTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def other_method(scope: Scope, send: Send, method: str) -> bool:
    """A request for another method than `method` answered as Litestar answers an HTTP
    route's: OPTIONS 204 with Allow, anything else MethodNotAllowedException (405). False
    for a request of `method`."""
    if scope["method"] == method:
        return False
    if scope["method"] != "OPTIONS":
        raise MethodNotAllowedException(headers={"allow": f"{method}, OPTIONS"})
    await send({"type": "http.response.start", "status": 204,
                "headers": [(b"allow", f"OPTIONS, {method}".encode())]})
    await send({"type": "http.response.body", "body": b""})
    return True


async def answer(send: Send, status: int, content: msgspec.Struct) -> None:
    """`content` as a JSON answer with `status`."""
    encoded = _encode(content)
    await send({"type": "http.response.start", "status": status,
                "headers": [_JSON, (b"content-length", b"%d" % len(encoded))]})
    await send({"type": "http.response.body", "body": encoded})
