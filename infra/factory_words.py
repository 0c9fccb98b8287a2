"""The service words the factory SDK can meet (issue 19, item 3), and where they are written.

Services send words (an English template, the message id, and its arguments: field
violations beside every refusal, reasons and labels in replies) and the gateway says them from
its catalogue. The SDK installs without the server, so it says them from its own catalogue:
`python -m infra.catalogue` copies these templates, with the gateway's translations, into
`sdk/dovetail_factory/locale` (docs/architecture.md, "Words people read").

Which templates: the services the SDK calls are read from its code (the `<Name>Stub`s it
opens), their servicers from the services' `rpc/` rooms (`class …(pb_grpc.<Name>Servicer)`),
and the templates from every module of services/ a servicer imports, directly or not: a
refusal, a reason or a label may be written in any of them. Read with `ast`, nothing imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "dovetail_factory"
SERVICES = ROOT / "services"
_STUB = re.compile(r"\b(\w+)Stub\(")
_SERVICER = re.compile(r"^class \w+\(\w+\.(\w+)Servicer\):", re.M)


def services_called(sdk: Path = SDK) -> set[str]:
    """The gRPC services the SDK opens a stub of (`IotService`, …)."""
    return {name for path in sdk.rglob("*.py") for name in _STUB.findall(path.read_text())}


def servicers(names: set[str], services: Path = SERVICES) -> dict[str, Path]:
    """Each named service's servicer module; a service the SDK calls that no servicer serves
    is an error (the SDK would meet words nobody can find)."""
    found = {match: path for path in sorted(services.glob("*/rpc/*.py"))
             for match in _SERVICER.findall(path.read_text()) if match in names}
    missing = names - set(found)
    if missing:
        raise LookupError(f"no servicer in services/ for {', '.join(sorted(missing))}")
    return found


def _module_file(name: str) -> Path | None:
    path = ROOT / Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imported(path: Path) -> Iterator[str]:
    """Modules a file imports (inside functions too; `from a import b` may name module a.b)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level \
                else node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def imported_modules(starts: list[Path]) -> list[Path]:
    """The files of services/ the starting files import, directly or not, the starts included."""
    seen: set[Path] = set()
    todo = list(starts)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported(path):
            found = _module_file(name) if name.split(".")[0] == "services" else None
            if found is not None and found not in seen:
                todo.append(found)
    return sorted(seen)


def sources() -> list[Path]:
    """Every module whose words the SDK can meet, from the servicers of the services it calls."""
    return imported_modules(list(servicers(services_called()).values()))
