"""Every relative link in the README and docs/ leads to a file of this repository, and every
#anchor to a heading of the file it names (GitHub's heading ids); no path in them climbs out of
the repository, and a path in code (`services/iot/intake.py`) names something that exists."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_PARSER = MarkdownIt("commonmark").enable("table")


def _walk(tokens):
    for token in tokens:
        yield token
        yield from _walk(token.children or ())


@cache
def _tokens(path: Path):
    return list(_walk(_PARSER.parse(path.read_text(encoding="utf-8"))))


def links(path: Path) -> list[str]:
    """The targets of the document's links and images (code spans and blocks hold none)."""
    return [t.attrs["href"] if t.type == "link_open" else t.attrs["src"]
            for t in _tokens(path) if t.type in ("link_open", "image")]


def climbing_paths(path: Path) -> list[str]:
    """Paths in code spans that start by going up (``../x``): read against the document, as a
    link would be."""
    return [t.content for t in _tokens(path) if t.type == "code_inline"
            and t.content.startswith("../") and " " not in t.content]


def repository_paths(path: Path, root: Path = ROOT) -> list[str]:
    """Paths in code spans and blocks that start at one of the repository's top-level
    directories (``services/iot/intake.py``), but not patterns or placeholders (``*``, ``<id>``)."""
    tops = "|".join(sorted(re.escape(p.name) for p in root.iterdir()
                           if p.is_dir() and not p.name.startswith(".")))
    if not tops:
        return []
    pattern = re.compile(rf"(?<![\w./$-])((?:{tops})/[\w./-]*[\w/])(?![\w<*{{])")
    return [m.group(1) for t in _tokens(path)
            if t.type in ("code_inline", "fence", "code_block")
            for m in pattern.finditer(t.content)]


def slug(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """The ids of the document's headings; a repeated heading gets -1, -2, ... as on GitHub."""
    tokens = _tokens(path)
    seen: dict[str, int] = {}
    out = set()
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        text = "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline"))
        base = slug(text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return frozenset(out)


def problems(document: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of `document` that leads nowhere (or out of `root`), and why."""
    out = []
    for target in links(document):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a web address: not ours to check here
        where = document if not parts.path else (document.parent / unquote(parts.path)).resolve()
        if not where.is_relative_to(root):
            out.append(f"{target}: outside the repository")
        elif not where.exists():
            out.append(f"{target}: no such file")
        elif parts.fragment:
            if where.is_dir() or where.suffix != ".md":
                out.append(f"{target}: an anchor into something that is not a Markdown file")
            elif unquote(parts.fragment) not in anchors(where):
                out.append(f"{target}: {where.relative_to(root)} has no heading "
                           f"#{parts.fragment}")
    for path in climbing_paths(document):
        where = (document.parent / path).resolve()
        if not where.is_relative_to(root):
            out.append(f"`{path}`: outside the repository")
        elif not where.exists():
            out.append(f"`{path}`: no such file")
    out += [f"`{path}`: no such file or directory" for path in repository_paths(document, root)
            if not (root / path).exists() and not generated(path, root)]
    return out


def generated(path: str, root: Path = ROOT) -> bool:
    """Output the repository ignores (``load/results/``, written by the benchmarks): named in
    the docs, absent from a fresh clone until something writes it."""
    # as a file, and as a directory (a pattern like ``load/results/`` matches only those)
    return any(subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "--no-index", p],
                              capture_output=True).returncode == 0
               for p in (path, path.rstrip("/") + "/"))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(document):
    assert problems(document) == []


def test_a_link_to_a_missing_file_or_heading_or_out_of_the_tree_is_named(tmp_path):
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "there.md").write_text("# Where it is\n\n## Twice\n\n## Twice\n")
    (tmp_path / "elsewhere.md").write_text("# Elsewhere\n")
    readme = root / "README.md"
    readme.write_text(
        "[ok](docs/there.md#where-it-is) [ok](docs/there.md#twice-1) [ok](#top) [ok](docs/)\n"
        "[gone](docs/gone.md) [bad anchor](docs/there.md#nowhere) [out](../elsewhere.md)\n"
        "`[in code](nowhere/gone.md)` [web](https://example.com/x.md) `../../outside.md`\n\n"
        "# Top\n")
    (root / "docs" / "up.md").write_text("`../README.md` `../docs/gone.md`\n")
    (root / "docs" / "code.md").write_text(
        "`docs/there.md` `docs/gone.py` `docs/*.md` `docs/<name>.md`\n\n"
        "```sh\npython docs/there.md && cat docs/old/\n```\n")
    assert problems(readme, root) == [
        "docs/gone.md: no such file",
        "docs/there.md#nowhere: docs/there.md has no heading #nowhere",
        "../elsewhere.md: outside the repository",
        "`../../outside.md`: outside the repository",
    ]
    assert problems(root / "docs" / "up.md", root) == ["`../docs/gone.md`: no such file"]
    assert problems(root / "docs" / "code.md", root) == [
        "`docs/gone.py`: no such file or directory", "`docs/old/`: no such file or directory"]
