"""Which part of the house may import which: read from the source with `ast`, nothing imported.

- services/ never import the launcher (infra), the gateway, the demo, the load generators, the
  tests or the factory SDK: a service is the server and nothing else.
- the demo drives the platform from outside, as a shop, a factory or a carrier would: it does
  not import the gateway (webhook signing is webhook_signature, shared by both sides).
- the factory SDK (sdk/dovetail_factory) imports the standard library, itself, the generated
  stubs (`dovetail`, from dovetail-protos) and the packages sdk/pyproject.toml declares.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES_MUST_NOT_IMPORT = ("infra", "gateway", "demo", "load", "tests", "dovetail_factory")
DEMO_MUST_NOT_IMPORT = ("gateway", "load", "tests")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, those inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def forbidden_imports(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    """`file:line imports module` for each import of a forbidden top-level package."""
    return [f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in sorted(folder.rglob("*.py"))
            for line, module in imports_of(path)
            if module.split(".")[0] in forbidden]


def declared_distributions(pyproject: Path) -> set[str]:
    """Normalised names of the distributions a pyproject.toml depends on."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return {normalise(re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0]) for d in dependencies}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_no_service_imports_the_launcher_gateway_demo_load_tests_or_sdk():
    assert forbidden_imports(ROOT / "services", SERVICES_MUST_NOT_IMPORT) == []


def test_the_demo_does_not_import_the_gateway():
    assert forbidden_imports(ROOT / "demo", DEMO_MUST_NOT_IMPORT) == []


def test_the_factory_sdk_imports_only_what_its_package_declares():
    sdk = ROOT / "sdk"
    declared = declared_distributions(sdk / "pyproject.toml")
    providers = importlib.metadata.packages_distributions()
    strays = []
    for path in sorted((sdk / "dovetail_factory").rglob("*.py")):
        for line, module in imports_of(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top == "dovetail_factory":
                continue
            if top == "dovetail" and "dovetail-protos" in declared:
                continue  # the generated stubs, from protos/ (a path, not an installed name)
            if top != "dovetail" and declared & {normalise(d) for d in providers.get(top, [])}:
                continue
            strays.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert strays == []


def test_the_import_walk_sees_every_form_of_import(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(
        "import os\n"
        "import gateway.app\n"
        "from infra.servers import free_port\n"
        "from . import sibling\n"
        "def later():\n"
        "    from demo.network import DEMO_FACTORIES\n")

    found = imports_of(tmp_path / "pkg" / "mod.py")

    assert sorted(found) == [(1, "os"), (2, "gateway.app"), (3, "infra.servers"),
                             (6, "demo.network")]
    assert [m for _, m in found if m.split(".")[0] in SERVICES_MUST_NOT_IMPORT] == [
        "gateway.app", "infra.servers", "demo.network"]


def test_declared_distributions_reads_names_without_versions_or_markers(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["grpcio>=1.81,<2", "Dovetail_Protos==0.1.0",'
                         ' "numpy ; python_version >= \'3.11\'", "psycopg[binary]==3.3.9"]\n')

    assert declared_distributions(pyproject) == {"grpcio", "dovetail-protos", "numpy", "psycopg"}
