"""Links to people by mail: aiosmtplib to DOVETAIL_SMTP_URL, else a mail folder, else the log.

`smtp://user:pass@host:port` speaks STARTTLS when the server offers it; `smtps://` is TLS
from the first byte. Without a URL the mail is written to DOVETAIL_MAIL_DIR as one `.eml`
file per mail, readable by this user only (`make up` sets it to DOVETAIL_HOME/mail): the
person running a development platform opens it for the link. With neither, the log says a
mail was not sent; its link is masked there like every token (services/kit/logs.py), so
nobody can be invited that way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

log = logging.getLogger("dovetail.gateway.accounts")
SENDER = "Dovetail <no-reply@dovetail.invalid>"


@dataclass(frozen=True)
class Mailer:
    smtp_url: str = ""
    sender: str = SENDER
    outbox: Path | None = None  # where mail goes without an SMTP server

    def __post_init__(self) -> None:
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            raise ValueError("DOVETAIL_SMTP_URL must be smtp://user:pass@host:port or smtps://...")

    async def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(text)
        if not self.smtp_url:
            if self.outbox is None:
                log.warning("no DOVETAIL_SMTP_URL or DOVETAIL_MAIL_DIR: mail to %s not sent "
                            "(%s); its link is masked here", to, subject)
                return
            path = await asyncio.to_thread(write_mail, self.outbox, to, message)
            log.warning("no DOVETAIL_SMTP_URL: mail to %s (%s) written to %s", to, subject, path)
            return
        url = urlsplit(self.smtp_url)
        await aiosmtplib.send(
            message, hostname=url.hostname or "localhost",
            port=url.port or (465 if url.scheme == "smtps" else 25),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=url.scheme == "smtps", start_tls=None if url.scheme == "smtp" else False,
            timeout=10)


def write_mail(outbox: Path, to: str, message: EmailMessage) -> Path:
    """`message` as a new `.eml` file in `outbox` that only this user can read (it holds a
    link that sets a password): named by the time and the address, never overwriting."""
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = re.sub(r"[^A-Za-z0-9@._-]", "_", to)[:100]
    for n in range(1000):
        path = outbox / f"{stamp}-{name}{f'-{n}' if n else ''}.eml"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as f:
            f.write(message.as_bytes())
        return path
    raise FileExistsError(f"no free name for a mail to {to} in {outbox}")
