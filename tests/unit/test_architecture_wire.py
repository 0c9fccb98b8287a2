"""Inside a service, data flows one way: read from the source with `ast`, nothing imported.

- `rpc/` is the gRPC edge: nothing else in the service imports it, apart from the composition
  root (`main.py`), which hands the servicer to the server. What rpc, projections, published
  events and policies share about protobuf lives in the service's `wire.py`.
- no service has an import cycle, neither between two of its modules nor between two of its
  rooms (a top-level module, or a sub-package taken whole: `rpc/`, `domain/`, `planning/` ...).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("configurator", "delivery", "iot", "orders", "scheduling")
COMPOSITION_ROOT = "main"


def module_name(path: Path, root: Path) -> str:
    """`services.orders.rpc.servicer` for services/orders/rpc/servicer.py (a package: its own)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path, known: set[str]) -> set[str]:
    """The modules of `known` a file imports, anywhere in it: `from pkg import name` counts as
    pkg.name when that is a module, else as pkg; relative imports are resolved."""
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != me}


def import_graph(folder: Path, root: Path) -> dict[str, set[str]]:
    """module → the modules of the same folder it imports."""
    paths = {module_name(p, root): p for p in sorted(folder.rglob("*.py"))}
    return {m: imported_modules(p, root, set(paths)) for m, p in paths.items()}


def room_of(module: str, service: str) -> str:
    """The top-level module or sub-package of `service` a module belongs to."""
    rest = module.removeprefix(service)
    return rest.lstrip(".").split(".")[0] or "__init__"


def room_graph(graph: dict[str, set[str]], service: str) -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for module, imported in graph.items():
        room = room_of(module, service)
        rooms.setdefault(room, set()).update(
            r for r in (room_of(m, service) for m in imported) if r != room)
    return rooms


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph (a → b → ... → a), or [] when there is none."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def rpc_importers(graph: dict[str, set[str]], service: str) -> list[str]:
    """`module imports rpc-module` for each module outside rpc/ (and not main) importing rpc/."""
    rpc = f"{service}.rpc"

    def in_rpc(module: str) -> bool:
        return module == rpc or module.startswith(rpc + ".")

    return sorted(f"{m} imports {i}" for m, imported in graph.items()
                  if m != f"{service}.{COMPOSITION_ROOT}" and not in_rpc(m)
                  for i in imported if in_rpc(i))


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_composition_root_imports_rpc(service):
    graph = import_graph(ROOT / "services" / service, ROOT)
    assert graph, f"no modules found for {service}"
    assert rpc_importers(graph, f"services.{service}") == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_import_cycle_between_modules_or_rooms(service):
    graph = import_graph(ROOT / "services" / service, ROOT)
    assert cycle(graph) == []
    assert cycle(room_graph(graph, f"services.{service}")) == []


def test_every_service_has_a_wire_module_and_no_rpc_mapping():
    for service in SERVICES:
        assert (ROOT / "services" / service / "wire.py").is_file(), service
        assert not (ROOT / "services" / service / "rpc" / "mapping.py").exists(), service


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checks_catch_a_loop_through_rpc_and_an_import_of_rpc(tmp_path):
    # The old orders shape: the servicer reads the projection, the projection uses rpc's mapping.
    write(tmp_path, {
        "svc/__init__.py": "",
        "svc/main.py": "from svc.rpc.servicer import Servicer\n",
        "svc/projections.py": "from svc.rpc import mapping\n",
        "svc/rpc/__init__.py": "",
        "svc/rpc/mapping.py": "import json\n",
        "svc/rpc/servicer.py": "from svc.projections import View\nfrom . import mapping\n",
    })
    graph = import_graph(tmp_path / "svc", tmp_path)

    assert graph["svc.rpc.servicer"] == {"svc.projections", "svc.rpc.mapping"}
    assert cycle(graph) == []  # no loop module by module...
    assert set(cycle(room_graph(graph, "svc"))) == {"projections", "rpc"}  # ...but room by room
    assert rpc_importers(graph, "svc") == ["svc.projections imports svc.rpc.mapping"]


def test_the_checks_pass_a_wire_module_and_catch_a_module_cycle(tmp_path):
    write(tmp_path, {
        "svc/__init__.py": "",
        "svc/main.py": "from svc.rpc.servicer import Servicer\n",
        "svc/wire.py": "def later():\n    from svc import projections\n",
        "svc/projections.py": "from svc.wire import shipment_to_pb\n",
        "svc/rpc/__init__.py": "",
        "svc/rpc/servicer.py": "from svc import projections, wire\n",
    })
    graph = import_graph(tmp_path / "svc", tmp_path)

    assert rpc_importers(graph, "svc") == []
    assert set(cycle(graph)) == {"svc.wire", "svc.projections"}  # imports inside functions count
    graph["svc.wire"] = set()
    assert cycle(graph) == [] and cycle(room_graph(graph, "svc")) == []
