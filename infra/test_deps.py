"""System packages some tests need, installed where missing (called by `make test`).

Python packages come from pyproject.toml; this covers what pip cannot install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

# (command that must exist, Debian package providing it)
NEEDED: list[tuple[str, str]] = [
    ("chromium", "chromium"),  # the portal tests drive it with Playwright (tests/e2e/portal)
]


def main() -> None:
    missing = [pkg for cmd, pkg in NEEDED if shutil.which(cmd) is None]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        sys.exit(f"missing system packages {missing} and no apt-get to install them")
    print(f"installing system packages: {' '.join(missing)}", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


if __name__ == "__main__":
    main()
