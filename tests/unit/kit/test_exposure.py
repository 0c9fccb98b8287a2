"""Listening beyond loopback: development and weak secrets are refused, naming the setting."""

from __future__ import annotations

import secrets

import pytest

from services.kit.exposure import check_exposure, is_loopback, weak_settings, weakness
from services.kit.settings import DEV_ADMIN_KEY, DEV_WEBHOOK_SECRETS, Settings, SettingsError

pytestmark = pytest.mark.unit


def strong() -> str:
    return secrets.token_urlsafe(32)


def exposed(**changes) -> Settings:
    base = dict(grpc_host="0.0.0.0", admin_key=strong(),
                webhook_secrets={"dovetail": strong(), "shopify": secrets.token_hex(16)},
                database_url=f"postgresql://dovetail:{strong()}@db:5432/dovetail")
    return Settings(**{**base, **changes})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost",
                                  "LOCALHOST", "app.localhost"])
def test_loopback_addresses_keep_the_platform_on_this_machine(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "192.168.1.20",
                                  "dovetail.example.com", "orders"])
def test_any_other_address_is_exposed(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("secret", [DEV_ADMIN_KEY, *DEV_WEBHOOK_SECRETS.values()])
def test_published_development_values_are_weak(secret):
    assert weakness(secret) == "is a development value published with Dovetail"


@pytest.mark.parametrize("secret", ["change-me", "CHANGE_ME", "please-change-me-" + "x" * 40,
                                    "replace-me", "changeit", "placeholder"])
def test_placeholders_are_weak(secret):
    assert weakness(secret) == "is a placeholder"


def test_short_and_repetitive_secrets_are_weak():
    assert weakness("s3cret-but-short") == (
        "has 16 characters; at least 32 random ones are needed")
    assert weakness("ab" * 20) == "is not random (it repeats a few characters)"


@pytest.mark.parametrize("secret", [secrets.token_urlsafe(32), secrets.token_hex(16),
                                    "dvt_admin_" + secrets.token_urlsafe(32)])
def test_random_tokens_of_32_characters_or_more_are_fine(secret):
    assert weakness(secret) is None


def test_on_loopback_development_values_are_allowed():
    check_exposure(Settings(grpc_host="127.0.0.1", admin_key=DEV_ADMIN_KEY,
                            webhook_secrets=dict(DEV_WEBHOOK_SECRETS)))


def test_exposed_with_strong_secrets_starts():
    check_exposure(exposed())


def test_exposed_with_the_dev_admin_key_is_refused_naming_the_settings():
    with pytest.raises(SettingsError) as refused:
        check_exposure(exposed(admin_key=DEV_ADMIN_KEY))
    message = str(refused.value)
    assert "DOVETAIL_GRPC_HOST='0.0.0.0'" in message
    assert "DOVETAIL_ADMIN_KEY is a development value published with Dovetail" in message
    assert DEV_ADMIN_KEY not in message  # the message names settings, never their values
    assert "secrets.token_urlsafe(32)" in message


def test_every_weak_secret_is_listed_at_once():
    found = weak_settings(exposed(
        admin_key="change-me", webhook_secrets={**DEV_WEBHOOK_SECRETS, "mine": strong()},
        database_url="postgresql://dovetail:change-me@db:5432/dovetail"))
    assert found[0] == "DOVETAIL_ADMIN_KEY is a placeholder"
    assert [line for line in found if "channel 'mine'" in line] == []
    assert sum("DOVETAIL_WEBHOOK_SECRETS" in line for line in found) == len(DEV_WEBHOOK_SECRETS)
    assert found[-1] == "DOVETAIL_DATABASE_URL holds a placeholder password"


def test_the_dataclass_defaults_are_refused_when_exposed():
    """Code that builds Settings itself gets development values: never on an exposed bind."""
    with pytest.raises(SettingsError, match="DOVETAIL_ADMIN_KEY.*\n.*DOVETAIL_WEBHOOK_SECRETS"):
        check_exposure(Settings(grpc_host="0.0.0.0"))


def test_a_tls_certificate_needs_its_key():
    with pytest.raises(SettingsError, match="DOVETAIL_TLS_CERT and DOVETAIL_TLS_KEY go together"):
        Settings.from_env({"DOVETAIL_TLS_CERT": "/etc/dovetail/tls.crt"})
    s = Settings.from_env({"DOVETAIL_TLS_CERT": "c.pem", "DOVETAIL_TLS_KEY": "k.pem"})
    assert Settings.from_env(s.to_env()).tls_cert == "c.pem"
