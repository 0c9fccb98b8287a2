"""Named errors the domain raises and every edge (gRPC, HTTP) maps the same way."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from services.kit.words import Words

T = TypeVar("T")


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str
    # the description as words for people (kit/words.py), when the service wrote them
    words: Words | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def of(cls, field: str, template: str, **args: object) -> FieldViolation:
        """A violation whose description is words: an English template marked N_() and its
        arguments; `description` is the English, the gateway says the words in the reader's
        language."""
        words = Words.of(template, **args)
        return cls(field, words.english(), words)


class DomainError(Exception):
    """Base of the errors a domain raises on purpose, named for what happened.

    The message people read is words (kit/words.py): `OrderNotInPool(Words.of(N_("order
    %(order)s is not in the planning pool"), order=order_id))`. ``str(exc)`` is its English
    (logs, the gRPC status message, REST `detail`); ``words`` the words themselves, which the
    gRPC edge packs beside the status for the gateway and the SDK to say in the reader's
    language (docs/architecture.md, "Words people read"). A plain string is kept as it is and
    has no words (errors no person reads).

    ``reason`` (UPPER_SNAKE_CASE, stable within ``domain``), ``subject`` and ``facts`` name
    what was refused for programs; the edge keeps them when it answers with a category (the
    gRPC edge sends them beside the message as FAILED_PRECONDITION's ErrorInfo details).
    """

    def __init__(self, *args: object, reason: str = "", domain: str = "", subject: str = "",
                 facts: Mapping[str, str] | None = None):
        self.words: Words | None = None
        if args and isinstance(args[0], Words):
            self.words = args[0]
            args = (self.words.english(), *args[1:])
        super().__init__(*args)
        self.reason = reason
        self.domain = domain
        self.subject = subject
        self.facts = dict(facts or {})


class InvalidArgument(DomainError):
    """The request does not fit; nothing was changed."""

    def __init__(self, violations: list[FieldViolation] | FieldViolation):
        self.violations = [violations] if isinstance(violations, FieldViolation) else violations
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in self.violations))


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class FailedPrecondition(DomainError):
    """The request is well-formed but the thing is in a state that refuses it.

    ``reason`` (UPPER_SNAKE_CASE, stable within ``domain``), ``subject`` and ``facts`` name the
    precondition for programs: the gRPC edge sends them as google.rpc ErrorInfo and
    PreconditionFailure details beside the message people read.
    """

    def __init__(self, message: str | Words, reason: str = "", domain: str = "",
                 subject: str = "", facts: Mapping[str, str] | None = None):
        super().__init__(message, reason=reason, domain=domain, subject=subject, facts=facts)


class Conflict(DomainError):
    """Someone else changed the thing first; read again and retry."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """The caller is not known."""


class Violations:
    """Collects field violations while validating, then raises them all at once.

    Every description is words (services/kit/words.py): an English template marked N_() and
    its arguments (`v.add("quantity", N_("must be 1 to %(n)s"), n=MAX)`), so the gateway says
    it in the reader's language (docs/architecture.md, "Words people read")."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    @staticmethod
    def one(field: str, template: str, **args: object) -> list[FieldViolation]:
        return [FieldViolation.of(field, template, **args)]

    def add(self, field: str, template: str, **args: object) -> None:
        self.items.append(FieldViolation.of(field, template, **args))

    say = add  # the name the first services to write words used

    def under(self, field: str, violation: FieldViolation) -> None:
        """A violation another check found, named by this request's `field` (its words kept)."""
        self.items.append(dataclasses.replace(violation, field=field))

    def check(self, condition: bool, field: str, template: str, **args: object) -> bool:
        if not condition:
            self.add(field, template, **args)
        return condition

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)


# A service's named domain errors (ShipmentNotFound, CatalogueMoved, ...) → the category the
# edge answers with (NotFound, Conflict, ...): the domain says what happened, the edge decides
# which status that is.
Categories = Mapping[type[DomainError], type[DomainError]]


def categorised(exc: DomainError, categories: Categories) -> DomainError:
    """`exc` as its edge category (the same message and its words, reason, domain, subject
    and facts), or `exc` itself when no class in its lineage has one."""
    for cls in type(exc).__mro__:
        category = categories.get(cls)
        if category is not None:
            translated = category(exc.words or str(exc))
            translated.reason, translated.domain = exc.reason, exc.domain
            translated.subject, translated.facts = exc.subject, dict(exc.facts)
            return translated
    return exc


def _reraise(exc: DomainError, categories: Categories) -> NoReturn:
    translated = categorised(exc, categories)
    if translated is exc:
        raise exc
    raise translated from exc


def raising_categories(categories: Categories) -> Callable[[type[T]], type[T]]:
    """Class decorator for a servicer: each of its RPC methods (coroutines and async
    generators whose names start with a capital) raises a named domain error as its
    category."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isasyncgenfunction(method):
            @functools.wraps(method)
            async def streaming(*args: Any, **kwargs: Any) -> Any:
                try:
                    async for item in method(*args, **kwargs):
                        yield item
                except DomainError as exc:
                    _reraise(exc, categories)
            return streaming

        @functools.wraps(method)
        async def unary(*args: Any, **kwargs: Any) -> Any:
            try:
                return await method(*args, **kwargs)
            except DomainError as exc:
                _reraise(exc, categories)
        return unary

    def decorate(cls: type[T]) -> type[T]:
        for name, method in list(vars(cls).items()):
            if name[:1].isupper() and (inspect.iscoroutinefunction(method)
                                       or inspect.isasyncgenfunction(method)):
                setattr(cls, name, wrap(method))
        return cls

    return decorate
