"""Headers every response carries, whatever produced it: handlers, error handlers, static files,
the router's 404 and the body limit's 413 (a `before_send` hook sees every response start).

- `X-Content-Type-Options: nosniff`: a browser renders a body only as the type it was sent
  as (a JSON error echoing `<script>` stays JSON; an SVG stays an image).
- `Referrer-Policy: same-origin`: no address of ours leaves for another site, while the
  portal's own form posts keep their Origin (under `no-referrer` a browser sends
  `Origin: null`, which the cookie-write check refuses). The tracking page sets its stricter
  `no-referrer` itself (it has no forms).
- `Content-Security-Policy`, when the handler set none: for anything but HTML (JSON, SVG,
  CSV, event streams, scripts) nothing may run, load or frame it — opened as a document it is
  inert. HTML of our own (portal, tracking) sets its policy; the only other HTML is the
  OpenAPI viewers under /schema, which load their script and fonts over https and run inline
  script: they get that, and no framing, and talk only to this origin.
"""

from __future__ import annotations

from litestar.types import Message, Scope

NOSNIFF = (b"x-content-type-options", b"nosniff")
REFERRER = (b"referrer-policy", b"same-origin")
CSP = b"content-security-policy"
INERT_POLICY = b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
VIEWER_POLICY = (b"default-src 'self'; script-src 'self' 'unsafe-inline' https:; "
                 b"style-src 'self' 'unsafe-inline' https:; font-src 'self' https: data:; "
                 b"img-src 'self' https: data:; connect-src 'self'; worker-src 'self' blob:; "
                 b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


async def security_headers(message: Message, _: Scope) -> None:
    """Add the headers a response lacks (a handler's own value wins)."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    present = {name.lower() for name, _ in headers}
    for name, value in (NOSNIFF, REFERRER):
        if name not in present:
            headers.append((name, value))
    if CSP not in present:
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        html = content_type.lower().startswith(b"text/html")
        headers.append((CSP, VIEWER_POLICY if html else INERT_POLICY))
    message["headers"] = headers
