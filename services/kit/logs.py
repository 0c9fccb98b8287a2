"""Structured logs: one JSON object per line, with the fields passed in `extra`; secrets masked.

Every process (the services and the gateway, uvicorn's loggers included) logs through the
root handler `configure_logging` installs. Whatever a caller logs, a secret does not reach
the line: fields named like one (`authorization`, `api_key`, `password`, ...) are masked
whole, and in every text (the message, field values, a traceback) API keys (`dvt_...`),
bearer tokens, webhook signatures, credential headers and passwords in URLs are masked.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import IO, Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_SECRET_WORDS = ("key", "secret", "password", "authorization", "token", "signature", "hmac",
                 "cookie")
MASK = "***"

# Each pattern keeps group 1 (what the secret is) and masks the rest of the match.
_SECRETS_IN_TEXT = [re.compile(p) for p in (
    # An API key, wherever it appears: dvt_<role>_<random>.
    r"\b(dvt_)[A-Za-z0-9_\-]+",
    # Authorization: Bearer <token> / Basic <credentials>.
    r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=*\-]+",
    # A password in a URL: scheme://user:password@host.
    r"(\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:)[^\s/@]+(?=@)",
    # Credential headers and signature schemes: `X-Shopify-Hmac-Sha256: <b64>`,
    # `'dovetail-signature': 't=..,v1=..'`, `cookie=...` (to the end of the value).
    r"(?i)\b((?:authorization|cookie|set-cookie|dovetail-signature|x-shopify-hmac-sha256"
    r"|x-wc-webhook-signature)['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n]+",
    # key=value pairs: query strings, libpq DSNs (password=...), signature parts (v1=<hex>).
    r"(?i)(?<![A-Za-z0-9_\-])((?:password|passwd|pwd|secret|token|api_key|apikey|key|v1|sig"
    r"|signature)=)[^\s&,;'\"]+",
)]


def mask_secrets(text: str) -> str:
    """`text` with every secret it contains replaced by ***."""
    for pattern in _SECRETS_IN_TEXT:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _secret_name(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)


def mask_value(value: Any) -> Any:
    """A logged field's value with its secrets masked (dicts and lists all the way down;
    an entry named like a secret masked whole)."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: MASK if _secret_name(str(k)) else mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask_secrets(str(value))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": mask_secrets(record.getMessage()),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = MASK if _secret_name(name) else mask_value(value)
        if record.exc_info:
            entry["exc"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """One plain line per record (DOVETAIL_LOG_FORMAT=text), secrets masked the same way."""

    def __init__(self, service: str):
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def configure_logging(service: str, level: str = "INFO", fmt: str = "json",
                      stream: IO[str] | None = None) -> None:
    """Every record of the process to `stream` (stderr), one line each, as `fmt`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service) if fmt == "json" else TextFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Loggers a library gave handlers of its own (uvicorn's default config, Litestar's)
    # would print their own way: their records go through the root handler instead.
    for own_way in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logging.getLogger(own_way).handlers[:] = []
        logging.getLogger(own_way).propagate = True
    for noisy in ("eventsourcing", "nats", "psycopg.pool", "grpc"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
