"""What people read, in their language: the locale of the request being answered and the
gettext callables the portal's templates and the gateway's messages use.

Templates write English and mark it: `{{ _("Orders") }}`, `{{ _("%(n)s waiting", n=count) }}`
(Jinja's i18n extension, new style: placeholders by name, escaped). Python code calls
`gettext("…")` from here. The locale lives in a context variable set once per request, so one
template environment serves every language at once.

Catalogues are not compiled in yet: until they are, every language reads the English source.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache

SUPPORTED = ("en", "zh-CN")
DEFAULT = "en"
_current: ContextVar[str] = ContextVar("dovetail_locale", default=DEFAULT)


def current() -> str:
    return _current.get()


def use(locale: str) -> None:
    """The locale of what this request answers (one of SUPPORTED)."""
    _current.set(locale if locale in SUPPORTED else DEFAULT)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    return _gettext.NullTranslations()


def gettext(message: str, **variables: object) -> str:
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def install(engine) -> None:
    """TemplateConfig's engine_callback: the i18n extension with the callables above."""
    environment = engine.engine
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(
        lambda message: translations(current()).gettext(message),
        lambda singular, plural, n: translations(current()).ngettext(singular, plural, n),
        newstyle=True)
    environment.globals["locale"] = current
