"""Named errors the domain raises and every edge (gRPC, HTTP) maps the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Base of the errors a domain raises on purpose."""


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

    def __init__(self, message: str, reason: str = "", domain: str = "", subject: str = "",
                 facts: dict[str, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.domain = domain
        self.subject = subject
        self.facts = dict(facts or {})


class Conflict(DomainError):
    """Someone else changed the thing first; read again and retry."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""


class Unauthenticated(DomainError):
    """The caller is not known."""


class Violations:
    """Collects field violations while validating, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    @staticmethod
    def one(field: str, description: str) -> list[FieldViolation]:
        return [FieldViolation(field, description)]

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def check(self, condition: bool, field: str, description: str) -> bool:
        if not condition:
            self.add(field, description)
        return condition

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)
