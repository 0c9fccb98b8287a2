"""The factory SDK installs alone: its wheel (and the stubs' wheel it depends on) into a fresh
virtual environment with no server code, where the `dovetail-factory` command runs.

The wheels are built from copies of sdk/ and protos/, so no build folder lands in the tree.
Third-party packages come from the index, at the versions this environment runs (constraints).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.unit.test_architecture import declared_distributions

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
OURS = {"dovetail-protos", "dovetail-factory"}


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command; on failure the assertion shows what it printed."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would put this checkout on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def sdk_venv(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("sdk-wheel")
    wheels = work / "wheels"
    for folder in ("protos", "sdk"):
        shutil.copytree(ROOT / folder, work / "src" / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(wheels), str(work / "src" / "protos"), str(work / "src" / "sdk")],
        cwd=work)
    constraints = work / "constraints.txt"
    declared = declared_distributions(ROOT / "sdk" / "pyproject.toml") - OURS
    constraints.write_text("".join(f"{name}=={importlib.metadata.version(name)}\n"
                                   for name in sorted(declared)))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--find-links",
         str(wheels), "--constraint", str(constraints), "dovetail-factory"],
        cwd=work, env=clean_env())
    return venv


def test_only_the_sdk_and_what_it_declares_is_installed(sdk_venv):
    python = str(sdk_venv / "bin" / "python")
    listed = json.loads(run([python, "-m", "pip", "list", "--format", "json"],
                            cwd=sdk_venv, env=clean_env()).stdout)
    names = {p["name"].lower().replace("_", "-") for p in listed}

    assert OURS <= names
    assert "dovetail" not in names  # the server's distribution
    probe = ("import importlib.util as u; "
             "print([m for m in ('services', 'gateway', 'infra', 'demo', 'webhook_signature') "
             "if u.find_spec(m)])")
    assert run([python, "-c", probe], cwd=sdk_venv, env=clean_env()).stdout.strip() == "[]"


def test_the_command_prints_its_help(sdk_venv):
    done = run([str(sdk_venv / "bin" / "dovetail-factory"), "--help"], cwd=sdk_venv,
               env=clean_env())

    assert done.stdout.startswith("usage: dovetail-factory")
    for command in ("login", "machines", "assignments", "report", "telemetry"):
        assert command in done.stdout


def test_login_without_asking_the_server_stores_the_profile(sdk_venv, tmp_path):
    done = run([str(sdk_venv / "bin" / "dovetail-factory"), "login", "--target", "127.0.0.1",
                "--key", "dvt_factory_f_wheel_dev", "--no-verify"],
               cwd=tmp_path, env=clean_env(DOVETAIL_FACTORY_HOME=str(tmp_path / "home")))

    saved = tmp_path / "home" / "config.json"
    assert "Saved to" in done.stdout
    assert json.loads(saved.read_text())["key"] == "dvt_factory_f_wheel_dev"
    assert saved.stat().st_mode & 0o777 == 0o600


def test_simulated_telemetry_draws_current_traces_without_the_server(sdk_venv):
    script = (
        "from dovetail_factory.models import Machine\n"
        "from dovetail_factory.simulate import SyntheticFloor\n"
        "saw = Machine('SAW1', 'F1', 'saw', 'panel_saw', 1.0, 18.0, 'current_sensor', True, 1)\n"
        "floor = SyntheticFloor([saw], factory_id='F1')\n"
        "amps = [b.current_samples[0].amperes for t in range(600) for b in floor.tick(t * 1000)]\n"
        "print(len(amps), round(min(amps), 2), round(max(amps), 2))\n")
    done = run([str(sdk_venv / "bin" / "python"), "-c", script], cwd=sdk_venv, env=clean_env())

    count, low, high = done.stdout.split()
    assert int(count) == 600
    assert float(high) > float(low)  # a walk through the saw's states, not a constant


def test_the_sdk_declares_the_stubs_package_built_from_protos():
    sdk = tomllib.loads((ROOT / "sdk" / "pyproject.toml").read_text())["project"]
    protos = tomllib.loads((ROOT / "protos" / "pyproject.toml").read_text())["project"]

    assert f"{protos['name']}=={protos['version']}" in sdk["dependencies"]


def test_the_installed_sdk_says_a_services_words_in_chinese_without_the_server(sdk_venv):
    """The services' templates travel in the SDK's own catalogue (issue 19, item 3)."""
    script = (
        "from dovetail.common.v1 import types_pb2\n"
        "from dovetail_factory import i18n\n"
        "from dovetail_factory.words import say\n"
        "i18n.use('zh-CN')\n"
        "print(say(types_pb2.Words(template='must be %(low)s to %(n)s sheets',\n"
        "                          args={'low': '1', 'n': '100000'})))\n")
    done = run([str(sdk_venv / "bin" / "python"), "-c", script], cwd=sdk_venv, env=clean_env())

    assert done.stdout.strip() == "须为 1 到 100000 张"
