"""Processes listening beyond loopback refuse development or weak secrets before they start,
with a message naming the setting (and never printing the secret)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.kit.settings import DEV_ADMIN_KEY
from tests.integration.security.conftest import strong_key

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def run(module: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DOVETAIL_")}
    return subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={**keep, "DOVETAIL_HOME": str(home), "DOVETAIL_LOG_FORMAT": "text",
                               # nothing may be reached: a refusal comes before any connection
                               "DOVETAIL_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
                               "DOVETAIL_NATS_URL": "nats://127.0.0.1:9", **env})


@pytest.mark.parametrize("module", ["gateway.main", "services.orders.main"])
def test_an_exposed_process_refuses_the_dev_admin_key(module, tmp_path):
    done = run(module, {"DOVETAIL_GRPC_HOST": "0.0.0.0", "DOVETAIL_ADMIN_KEY": DEV_ADMIN_KEY,
                        "DOVETAIL_WEBHOOK_SECRETS": f"dovetail={strong_key()}"}, tmp_path)
    assert done.returncode == 1
    assert "Cannot start" in done.stderr
    assert "DOVETAIL_GRPC_HOST='0.0.0.0' lets other machines reach Dovetail" in done.stderr
    assert "DOVETAIL_ADMIN_KEY is a development value published with Dovetail" in done.stderr
    assert DEV_ADMIN_KEY not in done.stderr + done.stdout


def test_an_exposed_gateway_refuses_a_placeholder_webhook_secret(tmp_path):
    done = run("gateway.main", {"DOVETAIL_GRPC_HOST": "10.1.2.3",
                                "DOVETAIL_ADMIN_KEY": strong_key(),
                                "DOVETAIL_WEBHOOK_SECRETS": "dovetail=change-me"}, tmp_path)
    assert done.returncode == 1
    assert ("DOVETAIL_WEBHOOK_SECRETS: the secret of channel 'dovetail' is a placeholder"
            in done.stderr)


def test_make_up_exposed_with_a_weak_key_stops_before_starting_anything(tmp_path):
    done = run("infra.launcher", {"DOVETAIL_GRPC_HOST": "0.0.0.0",
                                  "DOVETAIL_ADMIN_KEY": "change-me"}, tmp_path)
    assert done.returncode == 2
    assert done.stdout.startswith("Cannot start: DOVETAIL_GRPC_HOST='0.0.0.0'")
    assert "DOVETAIL_ADMIN_KEY is a placeholder" in done.stdout
    assert not (tmp_path / "postgres").exists() and not (tmp_path / "logs").exists()
