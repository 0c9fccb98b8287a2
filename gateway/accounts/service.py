"""What the edge does with accounts: checks input (every problem named), calls the application
in a thread (eventsourcing is synchronous), mails links, ends sessions."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from eventsourcing.application import AggregateNotFoundError

from gateway.accounts.application import Accounts, password_problem
from gateway.accounts.domain import (
    Account,
    AccountRefused,
    email_problem,
    principal_of,
    role_problem,
)
from gateway.accounts.mail import Mailer
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.i18n import speaking
from gateway.portal.words import role_said
from gateway.schemas.orders import FieldError
from gateway.sessions import SessionStore
from services.kit.auth import Principal


def refuse_problems(problems: dict[str, str]) -> None:
    """422 naming every field that is wrong, or nothing when none is."""
    errors = [FieldError(name, text) for name, text in problems.items() if text]
    if errors:
        raise ServiceError(422, "request body does not fit", errors)


def principal_for(account: Account) -> Principal:
    """The principal a person's session carries: their role's, naming them."""
    return replace(Principal.parse(principal_of(account.role)), person=account.email)


@dataclass
class People:
    app: Accounts
    sessions: SessionStore
    mailer: Mailer

    async def invite(self, email: str, role: str, by: Principal, base_url: str) -> Account:
        refuse_problems({"email": email_problem(email), "role": role_problem(role)})
        try:
            account, token = await asyncio.to_thread(self.app.invite, email, role, by.actor)
        except AccountRefused as exc:
            raise ServiceError(409, str(exc), [FieldError("email", str(exc))]) from None
        # In the inviter's language: the invited person has chosen none yet.
        await self.mailer.send(account.email, _("You are invited to Dovetail"),
                               _("%(who)s invited you to Dovetail as %(role)s.\n"
                                 "Choose your password here (valid 7 days):\n%(link)s\n",
                                 who=by.actor, role=role_said(role),
                                 link=link(base_url, account.email, token)))
        return account

    async def send_reset(self, email: str, base_url: str) -> None:
        """Mail a reset link when the address has an active account; the caller is told the
        same either way."""
        if email_problem(email):
            return
        issued = await asyncio.to_thread(self.app.reset_token, email)
        if issued is not None:
            account, token = issued
            with speaking(account.language):  # theirs, if they chose one
                await self.mailer.send(
                    account.email, _("Reset your Dovetail password"),
                    _("Someone asked to reset your password. If it was you, choose a new one "
                      "here (valid 1 hour):\n%(link)s\n",
                      link=link(base_url, account.email, token)))

    async def set_password(self, email: str, token: str, password: str) -> Account:
        refuse_problems({"password": password_problem(password)})
        try:
            account = await asyncio.to_thread(self.app.set_password, email, token, password)
        except AccountRefused as exc:
            raise ServiceError(409, str(exc), [FieldError("token", str(exc))]) from None
        await self.sessions.end_all(account.id)  # a new password ends the old sessions
        return account

    async def sign_in(self, email: str, password: str) -> str | None:
        """A session cookie, or None (which is all the caller may learn)."""
        account = await asyncio.to_thread(self.app.sign_in, email, password[:1024])
        if account is None:
            return None
        return await self.sessions.open_for(principal_for(account), account.id, account.language)

    async def list(self) -> list[Account]:
        return await asyncio.to_thread(self.app.all)

    async def change(self, account_id: str, act, end_sessions: bool) -> Account:
        try:
            id_ = uuid.UUID(account_id)
            account = await asyncio.to_thread(self.app.change, id_, act)
        except (ValueError, AggregateNotFoundError):
            raise ServiceError(404, f"no account {account_id[:40]}") from None
        if end_sessions:
            await self.sessions.end_all(account.id)
        return account

    async def change_role(self, account_id: str, role: str, by: Principal) -> Account:
        refuse_problems({"role": role_problem(role)})
        return await self.change(account_id, lambda a: a.change_role(role, by.actor), True)

    async def disable(self, account_id: str, by: Principal) -> Account:
        return await self.change(account_id, lambda a: a.disable(by.actor), True)

    async def unlock(self, account_id: str, by: Principal) -> Account:
        return await self.change(account_id, lambda a: a.unlock(by.actor), False)

    async def choose_language(self, email: str, language: str) -> None:
        """Keep the language a person chose in their profile: their sessions on every device
        speak it from their next request, and their next sign-in anywhere."""
        account = await asyncio.to_thread(self.app.find, email)
        if account is not None and account.language != language:
            await self.change(str(account.id), lambda a: a.choose_language(language), False)
            await self.sessions.speak(account.id, language)

    async def language_of(self, email: str) -> str:
        account = await asyncio.to_thread(self.app.find, email)
        return account.language if account is not None else ""

    async def sign_out_everywhere(self, account_id: str, by: Principal) -> Account:
        return await self.change(account_id, lambda a: a.revoke_sessions(by.actor), True)


def link(base_url: str, email: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/portal/set-password?{urlencode({'email': email, 'token': token})}"
