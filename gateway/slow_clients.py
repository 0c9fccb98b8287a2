"""Deadlines for reading a request, which uvicorn does not have (0.54): its only timer is
`timeout_keep_alive`, armed after a response, so a client that connects and sends its headers
one byte at a time holds a connection for ever (slowloris), and so does one that never ends
its body. This is uvicorn's httptools protocol with three additions:

- the request line and headers must arrive within `header_timeout_s` of the connection (or of
  the first byte of the next request on a kept-alive connection), else 408 and close;
- they may not exceed `max_header_bytes`, else 431 and close (httptools sets no limit; h11's
  `h11_max_incomplete_event_size` does only for the h11 protocol);
- the body must be complete within `body_timeout_s` of the headers, else 408 (when no answer
  has started) and close.

A response being streamed (server-sent events) is not a request being read: no deadline.
The HTTP protocol is chosen by the server config (gateway.main.server_config).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.settings import EdgeSettings


def refusal(status: int, reason: str) -> bytes:
    text = reason.encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(text)}\r\nconnection: close\r\n"
            "x-content-type-options: nosniff\r\n\r\n").encode() + text


class ReadDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s = EdgeSettings.header_timeout_s
    body_timeout_s = EdgeSettings.body_timeout_s
    max_header_bytes = EdgeSettings.max_header_bytes

    _deadline: asyncio.TimerHandle | None = None
    _in_headers = False
    _header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._in_headers and self._header_bytes > self.max_header_bytes:
            self._refuse(431, "Request Header Fields Too Large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_headers:
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._set_deadline(self.body_timeout_s, self._body_too_slow)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._set_deadline(None)
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._set_deadline(None)
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._in_headers, self._header_bytes = True, 0
        self._set_deadline(self.header_timeout_s, self._headers_too_slow)

    def _set_deadline(self, after_s: float | None, expire=None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(after_s, expire) if after_s is not None else None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self._in_headers:
            self._refuse(408, "Request Timeout")

    def _body_too_slow(self) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_started:
            self._refuse(408, "Request Timeout")
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int, reason: str) -> None:
        self._in_headers = False
        self._set_deadline(None)
        if not self.transport.is_closing():
            self.transport.write(refusal(status, reason))
            self.transport.close()


def read_deadline_protocol(edge: EdgeSettings) -> type[ReadDeadlineProtocol]:
    """The protocol class with `edge`'s deadlines (uvicorn builds one per connection)."""
    return type("ReadDeadlineProtocol", (ReadDeadlineProtocol,), {
        "header_timeout_s": edge.header_timeout_s, "body_timeout_s": edge.body_timeout_s,
        "max_header_bytes": edge.max_header_bytes})
