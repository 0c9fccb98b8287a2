"""The accounts application: load → act → save. Passwords are hashed here with argon2id
(argon2-cffi's defaults, RFC 9106's low-memory profile); one-time tokens are random and only
their SHA-256 is kept, compared in constant time.

Answers never tell whether an address has an account: an unknown address, a wrong password,
a disabled or locked account all read as "not signed in" to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError

from gateway.accounts.domain import Account, AccountRefused, account_id
from services.kit.persistence import ServiceApplication

_hasher = PasswordHasher()
# Verified when the address has no account, so both answers take an argon2 verification.
_DECOY = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 12
MAX_PASSWORD = 256


def now() -> datetime:
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_problem(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"at most {MAX_PASSWORD} characters"
    return ""


class Accounts(ServiceApplication):
    name = "accounts"

    def find(self, email: str) -> Account | None:
        try:
            return self.repository.get(account_id(email))
        except AggregateNotFoundError:
            return None

    def get(self, id_: uuid.UUID) -> Account:
        return self.repository.get(id_)

    def invite(self, email: str, role: str, by: str) -> tuple[Account, str]:
        """A new account and its invitation token (to mail); AccountRefused if the address
        already has one."""
        if self.find(email) is not None:
            raise AccountRefused("this address already has an account")
        account = Account(email, role, by)
        token = secrets.token_urlsafe(32)
        account.issue_token(token_digest(token), "invitation", now())
        self.save(account)
        return account, token

    def reset_token(self, email: str) -> tuple[Account, str] | None:
        """A reset token for an active account; None for any other address (not told)."""
        account = self.find(email)
        if account is None or account.disabled:
            return None
        token = secrets.token_urlsafe(32)
        account.issue_token(token_digest(token), "reset", now())
        self.save(account)
        return account, token

    def set_password(self, email: str, token: str, password: str) -> Account:
        account = self.find(email)
        if account is None:
            raise AccountRefused("the link is used, expired or not this account's")
        digest = token_digest(token)
        held = account.token.digest if account.token else ""
        if not hmac.compare_digest(held, digest):
            raise AccountRefused("the link is used, expired or not this account's")
        account.set_password(_hasher.hash(password), digest, now())
        self.save(account)
        return account

    def sign_in(self, email: str, password: str) -> Account | None:
        """The account when the password is right and the account may sign in; each wrong
        password is counted (MAX_FAILURES locks it for LOCKOUT)."""
        account = self.find(email)
        if account is None or not account.password_hash:
            self._verify(_DECOY, password)
            return None
        at = now()
        right = self._verify(account.password_hash, password)
        if not account.may_sign_in(at):
            return None
        if right:
            account.signed_in(at)
        else:
            account.sign_in_failed(at)
        self.save(account)
        return account if right else None

    @staticmethod
    def _verify(hashed: str, password: str) -> bool:
        try:
            return _hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def change(self, id_: uuid.UUID, act) -> Account:
        account = self.get(id_)
        act(account)
        self.save(account)
        return account

    def all(self, limit: int = 1000) -> list[Account]:
        """Every account, in the order they were invited (people: hundreds, not millions)."""
        topic = f"{Account.__module__}:{Account.__qualname__}.Invited"
        found = self.recorder.select_notifications(start=None, limit=limit, topics=[topic])
        return [self.get(n.originator_id) for n in found]
