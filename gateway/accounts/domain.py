"""A person's account: an event-sourced aggregate, pure (no I/O, no hashing library).

The account's id is a `uuid5` of its e-mail address, lower-cased, so one address is one
account. Passwords and one-time tokens reach it already hashed; it keeps the counting of
failed sign-ins (lockout) and which one-time token may still be used.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid.UUID("6f1d7a0e-5d2b-4f43-9a55-0c1e7d1b9a19")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_TTL = {"invitation": timedelta(days=7), "reset": timedelta(hours=1)}
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,63}$")
PLAIN_ROLES = ("admin", "planner", "customer_service")
SCOPED_ROLES = ("factory_manager", "factory_operator", "designer")
_SCOPE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class AccountRefused(ValueError):
    """A change the account does not allow (disabled, token used or expired)."""


def account_id(email: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, email.strip().lower())


def email_problem(email: str) -> str:
    return "" if EMAIL_RE.match(email.strip()) else "not an e-mail address"


def role_problem(role: str) -> str:
    """Why `role` is not one a person may hold ("" when it is)."""
    name, _, scope = role.partition(":")
    if name in PLAIN_ROLES and not scope:
        return ""
    if name in SCOPED_ROLES and _SCOPE_RE.match(scope):
        return ""
    return ("use admin, planner, customer_service, or factory_manager:<factory id>, "
            "factory_operator:<factory id>, designer:<designer id>")


def principal_of(role: str) -> str:
    """The principal services already know for a person's role (services/kit/auth.py)."""
    name, _, scope = role.partition(":")
    if name in ("factory_manager", "factory_operator"):
        return f"factory:{scope}"
    return role


@dataclass(frozen=True)
class Token:
    digest: str
    purpose: str
    expires_at: datetime


class Account(Aggregate):
    @event("Invited")
    def __init__(self, email: str, role: str, invited_by: str):
        self.email = email.strip().lower()
        self.role = role
        self.invited_by = invited_by
        self.password_hash = ""
        self.failures = 0
        self.locked_until: datetime | None = None
        self.disabled = False
        self.token: Token | None = None
        self.language = ""  # what the portal and mails speak to them in; "" = their browser's

    @classmethod
    def create_id(cls, email: str, role: str, invited_by: str) -> uuid.UUID:
        return account_id(email)

    def issue_token(self, digest: str, purpose: str, now: datetime) -> None:
        if self.disabled:
            raise AccountRefused("the account is disabled")
        self._token_issued(digest=digest, purpose=purpose, expires_at=now + TOKEN_TTL[purpose])

    @event("TokenIssued")
    def _token_issued(self, digest: str, purpose: str, expires_at: datetime) -> None:
        self.token = Token(digest, purpose, expires_at)

    def token_valid(self, digest: str, now: datetime) -> bool:
        return (not self.disabled and self.token is not None and self.token.digest == digest
                and now < self.token.expires_at)

    def set_password(self, password_hash: str, digest: str, now: datetime) -> None:
        """Set a password with the one-time token sent by mail; the token is then spent."""
        if not self.token_valid(digest, now):
            raise AccountRefused("the link is used, expired or not this account's")
        self._password_set(password_hash=password_hash)

    @event("PasswordSet")
    def _password_set(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.token = None
        self.failures = 0
        self.locked_until = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def may_sign_in(self, now: datetime) -> bool:
        return not self.disabled and bool(self.password_hash) and not self.locked(now)

    @event("SignedIn")
    def signed_in(self, at: datetime) -> None:
        self.failures = 0
        self.locked_until = None

    @event("SignedInWithProvider")
    def signed_in_with(self, issuer: str, subject: str, at: datetime) -> None:
        """A sign-in through the company's OpenID Connect provider: which provider, and whom
        it said the person is there (its `sub`)."""

    def sign_in_failed(self, at: datetime) -> None:
        self._failed(at=at)
        if self.failures >= MAX_FAILURES:
            self._locked(until=at + LOCKOUT)

    @event("SignInFailed")
    def _failed(self, at: datetime) -> None:
        self.failures += 1

    @event("Locked")
    def _locked(self, until: datetime) -> None:
        self.locked_until = until
        self.failures = 0

    @event("Unlocked")
    def unlock(self, by: str) -> None:
        self.locked_until = None
        self.failures = 0

    @event("RoleChanged")
    def change_role(self, role: str, by: str) -> None:
        self.role = role

    @event("Disabled")
    def disable(self, by: str) -> None:
        self.disabled = True
        self.token = None

    @event("LanguageChosen")
    def choose_language(self, language: str) -> None:
        self.language = language

    @event("SessionsRevoked")
    def revoke_sessions(self, by: str) -> None:
        """Recorded so the account's history says who signed it out everywhere."""
