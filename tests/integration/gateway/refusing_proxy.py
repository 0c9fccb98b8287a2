"""A real gRPC server in front of one service: every unary call passes through to the service
unchanged (bytes in, bytes out, the caller's metadata with it), except the methods named in
`refused`, which it answers UNAVAILABLE as a service that is down or overloaded does.

So a page that makes several reads of one service can be shown with exactly one of them failing,
through the gateway's real channel and error mapping."""

from __future__ import annotations

import grpc
from grpc import aio


class RefusingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.refused: set[str] = set()  # method names, e.g. "ListMachines"
        self.port = 0
        self._server = aio.server()
        self._channel: aio.Channel | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> RefusingProxy:
        self._channel = aio.insecure_channel(self.upstream)
        self._server.add_generic_rpc_handlers((_PassThrough(self),))
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._server.stop(None)
        if self._channel is not None:
            await self._channel.close()

    async def answer(self, method: str, request: bytes, context: aio.ServicerContext) -> bytes:
        if method.rsplit("/", 1)[-1] in self.refused:
            await context.abort(grpc.StatusCode.UNAVAILABLE,
                                f"{method.rsplit('/', 1)[-1]} refused by the test's proxy")
        assert self._channel is not None
        metadata = tuple((k, v) for k, v in context.invocation_metadata() or ()
                         if not k.startswith((":", "grpc-")) and k != "user-agent")
        try:
            return await self._channel.unary_unary(method)(
                request, metadata=metadata, timeout=context.time_remaining())
        except aio.AioRpcError as error:
            await context.abort(error.code(), error.details() or "",
                                error.trailing_metadata() or ())
            raise  # abort raises; this keeps type checkers from expecting a return


class _PassThrough(grpc.GenericRpcHandler):
    def __init__(self, proxy: RefusingProxy) -> None:
        self.proxy = proxy

    def service(self, handler_call_details):
        method = handler_call_details.method

        async def answer(request: bytes, context: aio.ServicerContext) -> bytes:
            return await self.proxy.answer(method, request, context)

        return grpc.unary_unary_rpc_method_handler(answer)
