"""The command line in 简体中文 or English, and its times on the factory's clock with the zone
named. The language comes from `--lang`, else the environment (LC_ALL, LC_MESSAGES, LANG, as
gettext reads them), else English; the catalogue is `locale/zh_CN/LC_MESSAGES/
dovetail_factory.po` in this package, compiled by Babel when first needed (the SDK installs
without the server, so it keeps a catalogue of its own)."""

from __future__ import annotations

import argparse
import gettext as _gettext
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED = ("en", "zh-CN")
DOMAIN = "dovetail_factory"
CATALOGUES = Path(__file__).parent / "locale"
DEFAULT_ZONE = "Asia/Shanghai"
_chosen = {"language": "en", "zone": DEFAULT_ZONE}


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


# argparse's own words a person meets (usage, section titles, its errors), as Python 3.11's
# argparse spells them (its gettext message ids): marked here so the catalogue keeps them.
ARGPARSE_WORDS = (
    N_("usage: "), N_("positional arguments"), N_("options"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"), N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"), N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"), N_("ignored explicit argument %r"),
    N_("expected one argument"), N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"), N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)


def language_of(tag: str | None) -> str | None:
    """`zh_CN.UTF-8`, `zh-Hans`, `zh` → zh-CN; `en_GB` → en; anything else None."""
    base = (tag or "").split(".")[0].split("@")[0].replace("_", "-").lower()
    first = base.split("-")[0]
    return {"zh": "zh-CN", "en": "en"}.get(first)


def choose(flag: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """`--lang`, else the first of LC_ALL, LC_MESSAGES, LANG that is set, else English."""
    env = os.environ if env is None else env
    if flag:
        return language_of(flag) or "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return language_of(env[name]) or "en"
    return "en"


def use(language: str, zone: str | None = None) -> None:
    _chosen["language"] = language if language in SUPPORTED else "en"
    if zone:
        try:
            ZoneInfo(zone)
            _chosen["zone"] = zone
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not a time zone (an IANA name such as "
                             "Asia/Shanghai)") from None


def zone() -> str:
    return _chosen["zone"]


@cache
def catalogue(language: str) -> _gettext.NullTranslations:
    po = CATALOGUES / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(handle))
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    """A text of the catalogue in the chosen language; any other text as it is."""
    return catalogue(_chosen["language"]).gettext(message) if message else message


def _(message: str, /, **values: object) -> str:
    text = gettext(message)
    return text % values if values else text


@contextmanager
def argparse_speaking() -> Iterator[None]:
    """Within the block argparse writes its own words (usage:, options, its error lines) in
    the chosen language: it looks up its module's `_` and `ngettext` each time it writes
    one, so they are pointed at the catalogue, and back when the block ends."""
    words, plurals = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    translations = catalogue(_chosen["language"])
    argparse._, argparse.ngettext = translations.gettext, translations.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = words, plurals  # type: ignore[attr-defined]


def local(at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(_chosen["zone"]))
