"""Regenerate the Python code for protos/ (`make protos`), or check it is current.

Generated modules sit beside their .proto files under protos/dovetail/, are committed, and
are imported as `dovetail.<service>.v1.<name>_pb2`. `--check` regenerates into a temporary
folder and fails when anything committed differs (a test runs it).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted(PROTOS.rglob("*.proto"))


def generate(out: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *[str(p.relative_to(PROTOS)) for p in proto_files()],
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for folder in {p.parent for p in out.rglob("*_pb2.py")} | {out / "dovetail"}:
        while folder != out:
            (folder / "__init__.py").touch()
            folder = folder.parent


def generated_files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in (root / "dovetail").rglob("*")
            if p.name.endswith(GENERATED_SUFFIXES) or p.name == "__init__.py"}


def check() -> list[str]:
    """Differences between the committed generated code and a fresh generation."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        want, have = generated_files(fresh), generated_files(PROTOS)
        problems = [f"missing: {p}" for p in sorted(want - have)]
        problems += [f"stale (no .proto): {p}" for p in sorted(have - want)]
        problems += [f"out of date: {p}" for p in sorted(want & have)
                     if not filecmp.cmp(fresh / p, PROTOS / p, shallow=False)]
        return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated code is stale")
    args = parser.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p)
        sys.exit(1 if problems else 0)
    # Generate aside, then copy over what changed and drop what is stale: other processes
    # importing the generated modules meanwhile never see a half-empty tree.
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        want, have = generated_files(fresh), generated_files(PROTOS)
        for p in sorted(want):
            target = PROTOS / p
            if not target.exists() or not filecmp.cmp(fresh / p, target, shallow=False):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh / p, target)
        for p in have - want:
            (PROTOS / p).unlink()
    print(f"generated Python code for {len(proto_files())} .proto files under {PROTOS}")


if __name__ == "__main__":
    main()
