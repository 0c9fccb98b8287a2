"""Words a service wrote for people (issue 19, item 3), said in the chosen language.

A service sends an English template with `%(name)s` placeholders and its arguments
(`dovetail.common.v1.Words`, and beside each field violation of a refusal as `FieldWords`).
The template is the message id of this package's catalogue, which holds the templates of the
services the SDK calls with their translations (copied from the gateway's by `python -m
infra.catalogue`; docs/architecture.md, "Words people read"). An argument that is a text of
the catalogue (a reason) is said too, and so is one that is words itself (`said`); names,
numbers and what people typed stay as written. A template the catalogue lacks, or a
translation that does not fit its arguments, reads in English.
"""

from __future__ import annotations

from dovetail.common.v1 import types_pb2
from dovetail_factory.i18n import gettext


def say(words: types_pb2.Words) -> str:
    """The words in the language chosen with `i18n.use` (English unless one was chosen)."""
    values = {k: gettext(v) for k, v in words.args.items()}
    values |= {k: say(v) for k, v in words.said.items()}
    return _filled(gettext(words.template), values) or english(words)


def english(words: types_pb2.Words) -> str:
    """The words in English, as the service wrote them beside (a violation's description)."""
    values = dict(words.args) | {k: english(v) for k, v in words.said.items()}
    return _filled(words.template, values) or words.template


def _filled(template: str, values: dict[str, str]) -> str | None:
    if not values:
        return template
    try:
        return template % values
    except (KeyError, ValueError, TypeError):  # a placeholder its arguments do not have
        return None
