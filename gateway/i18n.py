"""What people read, in their language and their time zone: the locale and zone of the request
being answered, the gettext callables the portal's templates and the gateway's messages use,
and times formatted for the reader with the zone named.

Templates write English and mark it: `{{ _("Orders") }}`, `{{ _("%(n)s waiting", n=count) }}`
(Jinja's i18n extension, new style: placeholders by name, escaped). Python code calls
`gettext("…")` from here. The locale and zone live in context variables set once per request
(`ReaderMiddleware`), so one template environment serves every language at once.

Catalogues are the `.po` files under `gateway/locale/` (extracted with `babel.cfg`), compiled
in memory by Babel the first time a language is asked for: no generated binaries in the tree.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED = ("en", "zh-CN")
DEFAULT = "en"
DEFAULT_ZONE = "Asia/Shanghai"  # the demo network's, and a tenant's until it names another
COOKIE = "dovetail_lang"
DOMAIN = "dovetail"
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL = {"en": "en", "zh-CN": "zh_CN"}
_PATTERN = {"en": "yyyy-MM-dd HH:mm", "zh-CN": "y年M月d日 HH:mm"}
_current: ContextVar[str] = ContextVar("dovetail_locale", default=DEFAULT)
_zone: ContextVar[str] = ContextVar("dovetail_zone", default=DEFAULT_ZONE)


def current() -> str:
    return _current.get()


def use(locale: str) -> None:
    """The locale of what this request answers (one of SUPPORTED)."""
    _current.set(locale if locale in SUPPORTED else DEFAULT)


@contextmanager
def speaking(locale: str | None) -> Iterator[None]:
    """Within the block, messages are in `locale` (a mail to a person in their own language);
    None or "" keeps the request's."""
    token = _current.set(locale) if locale in SUPPORTED else None
    try:
        yield
    finally:
        if token is not None:
            _current.reset(token)


def zone() -> str:
    """The tenant's time zone for this request (a page of one factory passes the factory's)."""
    return _zone.get()


def use_zone(name: str) -> None:
    _zone.set(name if valid_zone(name) else DEFAULT_ZONE)


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def babel_locale(locale: str | None = None) -> str:
    """Babel's name of a locale (zh-CN → zh_CN), the request's by default."""
    return _BABEL.get(locale or current(), "en")


def catalogue_path(locale: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / _BABEL[locale] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The locale's catalogue, compiled from its .po in memory (fuzzy entries left out)."""
    return compiled(catalogue_path(locale)) if locale in SUPPORTED and locale != DEFAULT \
        else _gettext.NullTranslations()


def compiled(po: Path) -> _gettext.NullTranslations:
    """A gettext catalogue from a .po file, through Babel (also used by the CLI's catalogue)."""
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def gettext(message: str, /, **variables: object) -> str:
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def say(template: str, args: Mapping[str, str] | None = None,
        said: Mapping[str, object] | None = None) -> str:
    """Words a service wrote (services/kit/words.py: an English template, the catalogue's
    message id, and its arguments) in the reader's language. An argument that is itself a text
    of the catalogue (a reason a service wrote) is said too, and so are arguments that are
    words (`said`: a reason inside a sentence, the parts of a list); names, numbers and what
    people typed stay as written; a template the catalogue lacks reads in English."""
    values = {k: gettext(v) if v else v for k, v in (args or {}).items()}
    values |= {k: said_words(v) for k, v in (said or {}).items()}
    return gettext(template, **values) if values else gettext(template)


def said_words(words) -> str:
    """Words as the wire (`dovetail.common.v1.Words`) or REST (`WordsRead`) carries them, in
    the reader's language (`say`)."""
    return say(words.template, words.args, getattr(words, "said", None))


def said_or_written(text: str, words=None) -> str:
    """What a service wrote for people, in the reader's language: its `words` said; `text` it
    sent without words (kept before words) said whole when it is a text of the catalogue, else
    as written."""
    if words is not None and words.template:
        return said_words(words)
    return gettext(text) if text else ""


def english_words(words) -> str:
    """The English of words on the wire or in REST (what `Words.english()` wrote)."""
    values = dict(words.args) | {k: english_words(v)
                                 for k, v in (getattr(words, "said", None) or {}).items()}
    return words.template % values if values else words.template


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def supported(tag: str) -> str | None:
    """The supported locale a language tag asks for (`zh`, `zh-Hans-CN`, `zh_TW` → zh-CN:
    the only Chinese catalogue is Simplified; `en-GB` → en), or None."""
    try:
        language = Locale.parse(tag.strip().replace("_", "-"), sep="-").language
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return {"zh": "zh-CN", "en": "en"}.get(language)


def negotiate(accept_language: str | None) -> str | None:
    """The supported locale an Accept-Language header prefers most (q-values honoured), or None."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, position, tag))
    for _, _, tag in sorted(ranked):
        if found := supported(tag):
            return found
    return None


def choose(profile: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The reader's locale: their profile's, else the switch's cookie, else the browser's
    Accept-Language, else English."""
    for asked in (profile, cookie):
        if asked in SUPPORTED:
            return asked
    return negotiate(accept_language) or DEFAULT


def as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_time(value: datetime | str | None, zone_name: str | None = None,
               locale: str | None = None) -> str:
    """A moment as its reader reads it, with the zone named: "2026-12-05 14:38 CST
    (Asia/Shanghai)" in English, "2026年12月5日 14:38 (Asia/Shanghai)" in Chinese. Empty for
    no value; an ISO text that is not a time comes back as it was."""
    moment = as_datetime(value)
    if moment is None:
        return value if isinstance(value, str) else ""
    name = zone_name if zone_name and valid_zone(zone_name) else zone()
    tz = ZoneInfo(name)
    locale = locale or current()
    text = format_datetime(moment, _PATTERN.get(locale, _PATTERN[DEFAULT]), tzinfo=tz,
                           locale=_BABEL.get(locale, "en"))
    abbreviation = moment.astimezone(tz).tzname() or ""
    if locale == DEFAULT and abbreviation and abbreviation[0] not in "+-":
        text = f"{text} {abbreviation}"
    return f"{text} ({name})"


_DAY_PATTERN = {"en": "d MMM HH:mm", "zh-CN": "M月d日 HH:mm"}


def day_time(moment: datetime, locale: str | None = None) -> str:
    """A moment already on its reader's clock, short, with its day: "5 Dec 14:05" /
    "12月5日 14:05" (the page names the zone once beside it)."""
    locale = locale or current()
    return format_datetime(moment, _DAY_PATTERN.get(locale, _DAY_PATTERN[DEFAULT]),
                           tzinfo=moment.tzinfo, locale=_BABEL.get(locale, "en"))


def local_date(value: date | str | None, locale: str | None = None) -> str:
    """A calendar date (a promised date) in the reader's way: 2026-12-05 / 2026年12月5日."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if value is None:
        return ""
    locale = locale or current()
    return value.isoformat() if locale == DEFAULT else f"{value.year}年{value.month}月{value.day}日"


def zone_date(value: datetime | str | None, zone_name: str | None = None) -> date | None:
    """The calendar day a moment falls on in a zone (the reader's unless named): the day to
    show for a moment, not the day it has in UTC. None for no value or an unreadable text."""
    moment = as_datetime(value)
    if moment is None:
        return None
    name = zone_name if zone_name and valid_zone(zone_name) else zone()
    return moment.astimezone(ZoneInfo(name)).date()


def cookie_value(cookie_header: str | None, name: str = COOKIE) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


class ReaderMiddleware:
    """Sets each request's locale (the `dovetail_lang` cookie, which a person's profile
    language sets at sign-in, else Accept-Language, else English) and the tenant's zone. A
    signed-in person's profile language, kept with their session, is set over it when the
    session is read (gateway/auth.py `find_principal`)."""

    def __init__(self, app, time_zone: str = DEFAULT_ZONE) -> None:
        self.app = app
        self.time_zone = time_zone if valid_zone(time_zone) else DEFAULT_ZONE  # once, not per call

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = accept = None  # ASGI header names are lower-case bytes
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"accept-language":
                accept = value.decode("latin-1")
        locale_token = _current.set(choose(None, cookie_value(cookie), accept))
        zone_token = _zone.set(self.time_zone)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(locale_token)
            _zone.reset(zone_token)


def install(engine) -> None:
    """TemplateConfig's engine_callback (or a bare Jinja Environment): the i18n extension with
    the callables above."""
    environment = getattr(engine, "engine", engine)
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(
        lambda message: translations(current()).gettext(message),
        lambda singular, plural, n: translations(current()).ngettext(singular, plural, n),
        newstyle=True)
    environment.globals["locale"] = current
    environment.globals["local_time"] = local_time
    environment.globals["local_date"] = local_date
    environment.globals["time_zone"] = zone
