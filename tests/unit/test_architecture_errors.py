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


# Refusals people read are words (issue 19, item 3): a domain error's message is
# `Words.of(N_("template"), name=value)`, which the gRPC edge packs beside the status for the
# gateway and the SDK to say in the reader's language. A message built as text (an f-string, a
# literal, `str(...)`, `"..." % ...`, `"...".format(...)`) reaches a reader of 简体中文 in
# English. `InvalidArgument` carries field violations, each words already (`Violations`).
KIT_ERRORS = ROOT / "services" / "kit" / "errors.py"
WORDS_EXEMPT = frozenset({"InvalidArgument"})


def service_modules(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / "services").rglob("*.py") if "tests" not in p.parts)


def domain_error_classes(modules: list[Path]) -> set[str]:
    """Names of DomainError and every class that derives from it, across `modules`."""
    bases: dict[str, set[str]] = {}
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_named(b) for b in node.bases)
    found = {"DomainError"}
    while grown := {name for name, of in bases.items() if of & found} - found:
        found |= grown
    return found


def _is_text(node: ast.expr) -> bool:
    """An expression that makes a message as text rather than words."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id in ("str", "repr")) or (
            isinstance(func, ast.Attribute) and func.attr in ("format", "join")
            and _is_text(func.value))
    return False


def refusals_written_as_text(path: Path, classes: set[str], root: Path = ROOT) -> list[str]:
    """`file:line Name` for each domain error made with a message of text: a call of the
    class (raised or kept to raise), or its own __init__ passing text to super().__init__."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ClassDef) and node.name in classes - WORDS_EXEMPT:
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "__init__" and call.args
                        and _is_text(call.args[0])):
                    found.append((call.lineno, f"{node.name}.__init__"))
        elif isinstance(node, ast.Call) and node.args:
            name = _named(node.func)
            if name in classes - WORDS_EXEMPT and _is_text(node.args[0]):
                found.append((node.lineno, name))
    return [f"{path.relative_to(root)}:{line} {what}" for line, what in sorted(found)]


def test_domain_refusals_in_services_are_words():
    modules = service_modules()
    classes = domain_error_classes(modules)
    # the kit's categories and the services' own named errors
    assert {"NotFound", "FailedPrecondition", "ReportOutOfOrder", "OrderAlreadyCancelled",
            "OrderNotInPool", "NoSheetFits"} <= classes
    assert [hit for m in modules for hit in refusals_written_as_text(m, classes)] == []


def test_the_walk_sees_each_way_of_writing_a_refusal_as_text(tmp_path):
    (tmp_path / "services" / "kit").mkdir(parents=True)
    (tmp_path / "services" / "kit" / "errors.py").write_text(
        "class DomainError(Exception):\n    pass\n"
        "class FailedPrecondition(DomainError):\n    pass\n")
    module = tmp_path / "services" / "progress.py"
    module.write_text(
        "from services.kit import errors\n"
        "from services.kit.words import N_, Words\n"
        "class OutOfOrder(errors.FailedPrecondition):\n"
        "    pass\n"
        "class Stale(OutOfOrder):\n"
        "    def __init__(self, ids):\n"
        "        super().__init__('stale: ' + ', '.join(ids))\n"
        "class NotAnError(ValueError):\n"
        "    pass\n"
        "def report(op, state):\n"
        "    if state == 'planned':\n"
        "        raise OutOfOrder(f'operation {op} is {state}')\n"
        "    if state == 'done':\n"
        "        raise errors.FailedPrecondition('done already')\n"
        "    if state == 'gone':\n"
        "        error = Stale(str(op))\n"
        "    if state == 'odd':\n"
        "        raise OutOfOrder('operation %s is odd' % op)\n"
        "    if state == 'new':\n"
        "        raise OutOfOrder(Words.of(N_('operation %(op)s is new'), op=op))\n"
        "    raise NotAnError(f'{op}?')\n")
    modules = service_modules(tmp_path)
    classes = domain_error_classes(modules)

    assert classes == {"DomainError", "FailedPrecondition", "OutOfOrder", "Stale"}
    assert refusals_written_as_text(module, classes, tmp_path) == [
        "services/progress.py:7 Stale.__init__", "services/progress.py:12 OutOfOrder",
        "services/progress.py:14 FailedPrecondition", "services/progress.py:16 Stale",
        "services/progress.py:18 OutOfOrder"]
