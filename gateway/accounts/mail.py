"""Links to people by mail: aiosmtplib to DOVETAIL_SMTP_URL, or the log when none is set.

`smtp://user:pass@host:port` speaks STARTTLS when the server offers it; `smtps://` is TLS
from the first byte. Without a URL (dev, `make up`) the link is logged for whoever runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

log = logging.getLogger("dovetail.gateway.accounts")
SENDER = "Dovetail <no-reply@dovetail.invalid>"


@dataclass(frozen=True)
class Mailer:
    smtp_url: str = ""
    sender: str = SENDER

    def __post_init__(self) -> None:
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            raise ValueError("DOVETAIL_SMTP_URL must be smtp://user:pass@host:port or smtps://...")

    async def send(self, to: str, subject: str, text: str) -> None:
        if not self.smtp_url:
            log.warning("no DOVETAIL_SMTP_URL: mail to %s not sent: %s\n%s", to, subject, text)
            return
        url = urlsplit(self.smtp_url)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(text)
        await aiosmtplib.send(
            message, hostname=url.hostname or "localhost",
            port=url.port or (465 if url.scheme == "smtps" else 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=url.scheme == "smtps", start_tls=None if url.scheme == "smtp" else False,
            timeout=10)
