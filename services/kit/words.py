"""Text a person reads that a service writes (issue 19, item 3): its English template, which is
also the message id of the gateway's gettext catalogue (`%(name)s` placeholders), and its
arguments. Services stay in English and send both; the gateway renders them in the reader's
language from its catalogue (docs/architecture.md, "Words people read"). ``english()`` is
what machines read (logs, REST ``summary`` fields).
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(template: str) -> str:
    """Marks a template for the gateway's catalogue (gateway/babel.cfg extracts it)."""
    return template


@dataclass(frozen=True)
class Words:
    template: str
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, template: str, **args: object) -> Words:
        return cls(template, tuple((k, str(v)) for k, v in args.items()))

    def english(self) -> str:
        return self.template % dict(self.args) if self.args else self.template
