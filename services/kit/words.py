"""Text a person reads that a service writes (issue 19, item 3): its English template, which is
also the message id of the gateway's gettext catalogue (`%(name)s` placeholders), and its
arguments. Services stay in English and send both; the gateway renders them in the reader's
language from its catalogue (docs/architecture.md, "Words people read"). ``english()`` is
what machines read (logs, REST ``summary`` fields).

An argument may be words itself (a reason inside a sentence, the parts of a list): the
gateway says it in the reader's language too. Words are stored inside events as they are
(services/kit/stored_values.py) and sent as `dovetail.common.v1.Words` (words_pb.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def N_(template: str) -> str:
    """Marks a template for the gateway's catalogue (gateway/babel.cfg extracts it)."""
    return template


# How the parts of a list are said one after the other (Words.listing)
COMMAS = N_("%(first)s, %(rest)s")
SEMICOLONS = N_("%(first)s; %(rest)s")


@dataclass(frozen=True)
class Words:
    template: str
    args: tuple[tuple[str, str | Words], ...] = ()

    @classmethod
    def of(cls, template: str, **args: object) -> Words:
        return cls(template, tuple((k, v if isinstance(v, Words) else str(v))
                                   for k, v in args.items()))

    @classmethod
    def listing(cls, parts: Sequence[Words | str], joint: str = COMMAS) -> Words:
        """The parts said one after the other ("a, b, c"): each pair joined by `joint`, a
        template of `first` and `rest` (COMMAS, SEMICOLONS), so a language joins them its
        own way (、，；)."""
        if not parts:
            return cls("")
        *head, last = parts
        said = last if isinstance(last, Words) else cls(last)
        for part in reversed(head):
            said = cls.of(joint, first=part, rest=said)
        return said

    def english(self) -> str:
        if not self.args:
            return self.template
        return self.template % {k: v.english() if isinstance(v, Words) else v
                                for k, v in self.args}

    def __bool__(self) -> bool:
        return bool(self.template)
