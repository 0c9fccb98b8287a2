"""The command line without a server: where it keeps the key, and its plain errors."""

from __future__ import annotations

import json
import stat

import pytest

from dovetail_factory.cli import config, main

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("DOVETAIL_FACTORY_HOME", str(tmp_path))
    for name in ("DOVETAIL_FACTORY_KEY", "DOVETAIL_FACTORY_TARGET", "DOVETAIL_FACTORY_IOT_TARGET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_login_stores_the_key_for_its_owner_only_and_the_environment_wins(home, monkeypatch,
                                                                         capsys):
    assert main(["login", "--target", "https://chain.example.com:443", "--key", "dvt_k1",
                 "--no-verify"]) == 0
    path = home / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert (saved["target"], saved["key"]) == ("https://chain.example.com:443", "dvt_k1")
    assert "dvt_k1" not in capsys.readouterr().out

    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", "dvt_k2")
    monkeypatch.setenv("DOVETAIL_FACTORY_TARGET", "10.0.0.9")
    profile = config.load()
    assert (profile.key, profile.target) == ("dvt_k2", "10.0.0.9")
    assert config.load(target="h:1").target == "h:1"


def test_without_a_key_it_says_how_to_log_in(capsys):
    assert main(["machines"]) == 3
    err = capsys.readouterr().err
    assert "dovetail-factory login" in err and "Traceback" not in err


def test_a_bad_file_or_bad_usage_is_invalid_input(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("machine_id,amperes\nSAW,1\n")
    assert main(["telemetry", "send", str(bad)]) == 2
    assert "timestamp" in capsys.readouterr().err
    assert main(["telemetry", "send", str(tmp_path / "missing.csv")]) == 2
    assert main(["report", "pause", "o/op-1"]) == 2
