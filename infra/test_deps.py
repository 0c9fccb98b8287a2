"""System packages some tests need, installed where missing (called by `make test`).

Python packages come from pyproject.toml; this covers what pip cannot install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# (command or absolute file that must exist, Debian package providing it)
NEEDED: list[tuple[str, str]] = [
    ("chromium", "chromium"),  # the portal tests drive it with Playwright (tests/e2e/portal)
    # a Chinese font, so the zh-CN pages' screenshots show characters, not boxes
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"),
]


def present(needed: str) -> bool:
    return Path(needed).exists() if needed.startswith("/") else shutil.which(needed) is not None


def main() -> None:
    missing = [pkg for cmd, pkg in NEEDED if not present(cmd)]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        sys.exit(f"missing system packages {missing} and no apt-get to install them")
    print(f"installing system packages: {' '.join(missing)}", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


if __name__ == "__main__":
    main()
