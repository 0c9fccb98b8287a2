"""Domain errors are named in the domain's words; status codes belong to the edge. Read from
the source with `ast`, nothing imported.

A domain module (services/<service>/domain/) and an application module (load → act → save)
raise what happened (`ProductionStarted`, `MaintenanceTaskNotFound`, `StockBusy`); the
servicer maps each to the category the edge answers with (services/kit/errors.py
`raising_categories`). So these modules neither import nor raise a category named after a
status code.

`InvalidArgument` is left out: it is the carrier of field violations that `Violations` (the
kit's way of checking input, used by every domain) raises, and it names no state of a thing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# services/kit/errors.py's categories named after a status code
STATUS_CATEGORIES = frozenset(
    {"NotFound", "FailedPrecondition", "Conflict", "PermissionDenied", "Unauthenticated"})
ERRORS_MODULE = "services.kit.errors"
# Application modules beside each service's application.py that load, act and save.
APPLICATION_MODULES = ("services/configurator/board_stock.py",
                       "services/scheduling/maintenance.py", "services/scheduling/quoting.py")


def domain_and_application_modules() -> list[Path]:
    services = ROOT / "services"
    return sorted({*services.glob("*/domain/**/*.py"), *services.glob("*/application.py"),
                   *(ROOT / m for m in APPLICATION_MODULES)})


def _named(node: ast.expr) -> str:
    """The last name of `Name` or `module.Name` (a call's callee for `Name(...)`)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def status_categories_used(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line ...` for each import of a status category from the kit, and each raise of
    one (by name or through the module: `errors.NotFound(...)`), in line order."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == ERRORS_MODULE:
            found += [(node.lineno, f"imports {a.name}") for a in node.names
                      if a.name in STATUS_CATEGORIES]
        elif isinstance(node, ast.Raise) and node.exc is not None:
            if (name := _named(node.exc)) in STATUS_CATEGORIES:
                found.append((node.lineno, f"raises {name}"))
    return [f"{path.relative_to(root)}:{line} {what}" for line, what in sorted(found)]


def test_domain_and_application_modules_name_no_status_code():
    modules = domain_and_application_modules()
    assert len(modules) > 40 and all(m.exists() for m in modules)
    assert [hit for m in modules for hit in status_categories_used(m)] == []


def test_the_walk_sees_each_way_of_naming_a_category(tmp_path):
    (tmp_path / "services").mkdir()
    module = tmp_path / "services" / "order.py"
    module.write_text(
        "from services.kit.errors import DomainError, FailedPrecondition, Violations\n"
        "from services.kit import errors\n"
        "class OrderBusy(DomainError):\n"
        "    pass\n"
        "def cancel(order):\n"
        "    if order.started:\n"
        "        raise FailedPrecondition('production has started')\n"
        "    if order.gone:\n"
        "        raise errors.NotFound('no order')\n"
        "    raise OrderBusy('try again')\n")

    assert status_categories_used(module, tmp_path) == ["services/order.py:1 imports FailedPrecondition",
                     "services/order.py:7 raises FailedPrecondition",
                     "services/order.py:9 raises NotFound"]
