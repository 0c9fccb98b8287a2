"""`make up` without DOVETAIL_ADMIN_KEY / DOVETAIL_WEBHOOK_SECRETS: random ones, generated once
into DOVETAIL_HOME, readable by their owner only, and read back on every later start."""

from __future__ import annotations

import stat

import pytest

from infra.credentials import ADMIN_KEY_FILE, CHANNELS, WEBHOOK_SECRETS_FILE, local_secrets
from services.kit.exposure import weakness
from services.kit.settings import Settings, SettingsError

pytestmark = pytest.mark.integration


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_generates_strong_secrets_only_the_owner_reads(tmp_path):
    local = local_secrets(Settings.from_env({"DOVETAIL_HOME": str(tmp_path)}))
    key_file, secrets_file = tmp_path / ADMIN_KEY_FILE, tmp_path / WEBHOOK_SECRETS_FILE
    assert local.generated == [str(key_file), str(secrets_file)]
    assert local.admin_key_file == key_file and local.webhook_secrets_file == secrets_file
    assert mode(key_file) == mode(secrets_file) == 0o600
    assert key_file.read_text().strip() == local.settings.admin_key
    assert set(local.settings.webhook_secrets) == set(CHANNELS)
    assert weakness(local.settings.admin_key) is None
    assert all(weakness(s) is None for s in local.settings.webhook_secrets.values())
    assert len(set(local.settings.webhook_secrets.values())) == len(CHANNELS)


def test_later_starts_read_the_same_secrets_back(tmp_path):
    env = {"DOVETAIL_HOME": str(tmp_path)}
    first = local_secrets(Settings.from_env(env))
    again = local_secrets(Settings.from_env(env))
    assert again.generated == []
    assert again.settings.admin_key == first.settings.admin_key
    assert again.settings.webhook_secrets == first.settings.webhook_secrets


def test_what_the_environment_sets_wins_and_is_never_written(tmp_path):
    env = {"DOVETAIL_HOME": str(tmp_path), "DOVETAIL_ADMIN_KEY": "dvt_admin_from_environment",
           "DOVETAIL_WEBHOOK_SECRETS": "dovetail=whsec_from_environment"}
    local = local_secrets(Settings.from_env(env))
    assert local.settings.admin_key == "dvt_admin_from_environment"
    assert local.settings.webhook_secrets == {"dovetail": "whsec_from_environment"}
    assert local.admin_key_file is None and local.webhook_secrets_file is None
    assert list(tmp_path.iterdir()) == []


def test_a_file_others_could_read_is_made_private(tmp_path):
    (tmp_path / ADMIN_KEY_FILE).write_text("dvt_admin_written_by_hand\n")
    (tmp_path / ADMIN_KEY_FILE).chmod(0o644)
    local = local_secrets(Settings.from_env({"DOVETAIL_HOME": str(tmp_path)}))
    assert local.settings.admin_key == "dvt_admin_written_by_hand"
    assert mode(tmp_path / ADMIN_KEY_FILE) == 0o600


@pytest.mark.parametrize(("name", "text", "message"), [
    (ADMIN_KEY_FILE, "\n", "admin-key is empty: delete it to have a new one generated"),
    (WEBHOOK_SECRETS_FILE, "# ok\n\ndovetail=whsec_x\nshopify\n",
     "webhook-secrets, line 4: not of the form channel=secret"),
])
def test_a_broken_file_is_named_with_the_way_out(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(SettingsError, match=message):
        local_secrets(Settings.from_env({"DOVETAIL_HOME": str(tmp_path)}))
