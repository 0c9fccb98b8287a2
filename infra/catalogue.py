"""The catalogues of what people read: extract the marked strings and bring each `.po` up to
date with them (new ones empty, gone ones dropped, translations kept).

    python -m infra.catalogue          # gateway/locale and the factory CLI's catalogue
    python -m infra.catalogue --check  # exit 1 naming untranslated or unmarked-missing strings

Translations are written by people into the `.po` files; nothing here invents one. The factory
CLI's catalogue also holds the words of the services the SDK calls (infra/factory_words.py):
those are copied with the gateway's translations, so translate them in the gateway's `.po` and
run this again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from infra import factory_words

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Domain:
    """One catalogue: where its sources are, how they are read, where its .po files live."""

    name: str
    source_root: Path  # extraction paths in the mapping are relative to this
    mapping: Path
    locale_dir: Path
    locales: tuple[str, ...] = ("zh_CN",)
    # modules (of the gateway's sources) whose marked strings this catalogue holds too, said as
    # the gateway's catalogue says them: the service words the SDK can meet
    borrowed: Callable[[], list[Path]] | None = None

    def po(self, locale: str) -> Path:
        return self.locale_dir / locale / "LC_MESSAGES" / f"{self.name}.po"


GATEWAY = Domain("dovetail", ROOT, ROOT / "gateway" / "babel.cfg", ROOT / "gateway" / "locale")
FACTORY_CLI = Domain("dovetail_factory", ROOT / "sdk", ROOT / "sdk" / "babel.cfg",
                     ROOT / "sdk" / "dovetail_factory" / "locale",
                     borrowed=factory_words.sources)
DOMAINS = (GATEWAY, FACTORY_CLI)  # the gateway first: the CLI's borrows its translations


def extract(domain: Domain, lent: Catalog | None = None) -> Catalog:
    """Every marked string of the domain's sources, and those it borrows (`lent`), as a
    template catalogue."""
    with domain.mapping.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog(project="Dovetail", domain=domain.name)
    for filename, lineno, message, comments, context in extract_from_dir(
            domain.source_root, method_map, options_map,
            directory_filter=lambda d: Path(d).name not in (".venv", "node_modules")):
        template.add(message, None, [(filename, lineno)], auto_comments=comments,
                     context=context)
    for message in lent or ():
        if message.id:
            template.add(message.id, None, message.locations,
                         auto_comments=message.auto_comments, context=message.context)
    return template


def borrowed(domain: Domain) -> Catalog:
    """The marked strings of the modules the domain borrows (none for most): a template."""
    found = Catalog(project="Dovetail", domain=domain.name)
    for path in domain.borrowed() if domain.borrowed else ():
        for lineno, message, comments, context in extract_from_file("python", str(path)):
            found.add(message, None, [(path.relative_to(ROOT).as_posix(), lineno)],
                      auto_comments=comments, context=context)
    return found


def read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain=path.stem, project="Dovetail")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(domain: Domain) -> None:
    lent = borrowed(domain)
    template = extract(domain, lent)
    for locale in domain.locales:
        catalog = read(domain.po(locale), locale)
        created = catalog.creation_date  # kept: a run that changes nothing changes no line
        catalog.update(template, no_fuzzy_matching=True)
        lender = read(GATEWAY.po(locale), locale)
        for message in lent:  # translated as the gateway translates them, wherever that is done
            if message.id in lender and lender[message.id].string:
                catalog[message.id].string = lender[message.id].string
        catalog.creation_date = created
        catalog.obsolete.clear()
        catalog.fuzzy = False
        domain.po(locale).parent.mkdir(parents=True, exist_ok=True)
        with domain.po(locale).open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False,
                     include_lineno=False)


def problems(domain: Domain) -> list[str]:
    """Marked strings missing from a catalogue, catalogue entries with no translation, and
    borrowed ones translated otherwise than the gateway translates them."""
    lent = borrowed(domain)
    template = extract(domain, lent)
    found = []
    for locale in domain.locales:
        catalog = read(domain.po(locale), locale)
        lender = read(GATEWAY.po(locale), locale)
        found += [f"{domain.po(locale)}: not as the gateway says it (run python -m "
                  f"infra.catalogue): {message.id!r}" for message in lent
                  if message.id in catalog and message.id in lender
                  and catalog[message.id].string != lender[message.id].string]
        for message in template:
            if message.id and message.id not in catalog:
                found.append(f"{domain.po(locale)}: not in the catalogue: {message.id!r}")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings) or message.fuzzy:
                found.append(f"{domain.po(locale)}: untranslated: {message.id!r}")
        for message, errors in catalog.check():  # placeholders the translation lost or added
            found += [f"{domain.po(locale)}: {message.id!r}: {error}" for error in errors]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        found = [p for domain in DOMAINS for p in problems(domain)]
        print("\n".join(found) or "every marked string is translated")
        return 1 if found else 0
    for domain in DOMAINS:
        update(domain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
