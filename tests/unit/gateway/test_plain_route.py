"""A plain ASGI route in a Litestar app: its path parameters reach it, the body limit, other
methods and its OpenAPI document are what an HTTP route of the app would have."""

from __future__ import annotations

import msgspec
from litestar import Litestar, asgi
from litestar.openapi.spec import Operation
from litestar.testing import TestClient
from litestar.types import Receive, Scope, Send

from gateway.openapi import document_plain_route, document_shared_errors
from gateway.webhooks import plain


class Echo(msgspec.Struct):
    shop: str
    size: int


class Note(msgspec.Struct, forbid_unknown_fields=True):
    text: str


@asgi("/shops/{shop:str}/notes", copy_scope=False)
async def notes(scope: Scope, receive: Receive, send: Send) -> None:
    if await plain.other_method(scope, send, "POST"):
        return
    body = await plain.body(scope, receive)
    await plain.answer(send, 202, Echo(scope["path_params"]["shop"], len(body)))


def app() -> Litestar:
    built = Litestar(route_handlers=[notes], request_max_body_size=64)
    plain.route_path_parameters(built)
    return built


def test_the_path_parameters_reach_the_route():
    with TestClient(app()) as client:
        answer = client.post("/shops/north/notes", content=b"hello")
    assert answer.status_code == 202, answer.text  # Litestar alone: 500 (KeyError 'POST')
    assert answer.json() == {"shop": "north", "size": 5}
    assert answer.headers["content-type"] == "application/json"


def test_a_body_over_the_limit_is_413_announced_or_not():
    with TestClient(app()) as client:
        assert client.post("/shops/north/notes", content=b"x" * 65).status_code == 413

        def chunks():
            yield b"x" * 40
            yield b"x" * 40

        assert client.post("/shops/north/notes", content=chunks()).status_code == 413


def test_other_methods_are_answered_as_litestar_answers_an_http_route():
    with TestClient(app()) as client:
        got = client.get("/shops/north/notes")
        options = client.options("/shops/north/notes")
    assert got.status_code == 405 and got.headers["allow"] == "POST, OPTIONS"
    assert options.status_code == 204 and options.headers["allow"] == "OPTIONS, POST"


def test_the_route_is_documented_with_its_body_and_answers():
    built = app()
    document_plain_route(built, "/shops/{shop:str}/notes", Operation(operation_id="AddNote"),
                         Note, {202: (Echo, "taken"), 409: (None, "taken before")})
    document_shared_errors(built)
    operation = msgspec.to_builtins(built.openapi_schema.to_schema())["paths"][
        "/shops/{shop}/notes"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Note"}
    answers = operation["responses"]
    assert answers["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Echo"}
    assert answers["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"}
    assert {"413", "422", "503"} <= set(answers)
