"""Mail without a mail server: a file per mail that only its user reads, the link intact; the
log names the file, never the link."""

from __future__ import annotations

import email
import email.policy
import logging

from gateway.accounts.mail import Mailer
from gateway.settings import EdgeSettings
from infra.launcher import mail_dir

LINK = "http://localhost:8000/portal/set-password?email=a%40b.cn&token=s3cret-token-value"


async def test_a_mail_is_written_to_the_outbox_with_its_link(tmp_path, caplog):
    outbox = tmp_path / "mail"
    mailer = Mailer(outbox=outbox)
    with caplog.at_level(logging.WARNING, "dovetail.gateway.accounts"):
        await mailer.send("wang@example.cn", "邀请", f"choose your password:\n{LINK}\n")
        await mailer.send("wang@example.cn", "邀请", f"again:\n{LINK}\n")
    written = sorted(outbox.glob("*.eml"))
    assert len(written) == 2  # two mails in one second: two files, none overwritten
    assert outbox.stat().st_mode & 0o777 == 0o700
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["To"] == "wang@example.cn" and message["Subject"] == "邀请"
        assert LINK in message.get_content()
    said = caplog.text
    assert str(written[0]) in said and "s3cret-token-value" not in said


async def test_without_an_outbox_the_log_says_the_mail_was_not_sent(caplog):
    with caplog.at_level(logging.WARNING, "dovetail.gateway.accounts"):
        await Mailer().send("wang@example.cn", "invite", LINK)
    assert "not sent" in caplog.text and "s3cret-token-value" not in caplog.text


def test_make_up_writes_mail_under_its_home_unless_told_otherwise(tmp_path):
    assert mail_dir(tmp_path, {}) == tmp_path / "mail"
    assert mail_dir(tmp_path, {"DOVETAIL_SMTP_URL": "smtp://mail:25"}) is None
    assert mail_dir(tmp_path, {"DOVETAIL_MAIL_DIR": "/srv/mail"}) is None


def test_the_gateway_reads_its_mail_folder_from_the_environment():
    assert EdgeSettings.from_env({"DOVETAIL_MAIL_DIR": " /srv/mail "}).mail_dir == "/srv/mail"
    assert EdgeSettings.from_env({}).mail_dir == ""
