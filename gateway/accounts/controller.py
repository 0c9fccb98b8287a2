"""REST for people's accounts (admins): invite, list, change a role, disable, sign out
everywhere. Invitation links go by mail (gateway/accounts/mail.py), never in the answer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, PathParameter

from gateway.accounts.domain import Account
from gateway.accounts.service import People
from gateway.auth import admin_only, current
from gateway.deps import StateDep
from gateway.schemas.accounts import AccountRead, ChangeRole, InviteAccount

AccountId = Annotated[str, PathParameter(max_length=40)]


def account_read(account: Account) -> AccountRead:
    return AccountRead(str(account.id), account.email, account.role, account.invited_by,
                       bool(account.password_hash), account.disabled,
                       account.locked_until.isoformat() if account.locked_until else None)


def people(gateway) -> People:
    assert gateway.people is not None, "accounts are opened in the app's lifespan"
    return gateway.people


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ["accounts"]
    guards = [admin_only]
    security = [{"bearer": []}, {"session": []}]

    @get("", summary="People's accounts, in the order they were invited")
    async def list_accounts(self, gateway: StateDep) -> list[AccountRead]:
        return [account_read(a) for a in await people(gateway).list()]

    @post("", summary="Invite a person: the account is made and a link to set a password mailed")
    async def invite(self, request: Request, data: JSONBody[InviteAccount],
                     gateway: StateDep) -> AccountRead:
        return account_read(await people(gateway).invite(
            data.email, data.role, current(request), str(request.base_url)))

    @post("/{account_id:str}/role", status_code=200,
          summary="Change a person's role (ends their sessions)")
    async def change_role(self, request: Request, account_id: AccountId,
                          data: JSONBody[ChangeRole], gateway: StateDep) -> AccountRead:
        return account_read(await people(gateway).change_role(account_id, data.role,
                                                              current(request)))

    @post("/{account_id:str}/disable", status_code=200,
          summary="Disable an account (ends its sessions; it cannot sign in again)")
    async def disable(self, request: Request, account_id: AccountId,
                      gateway: StateDep) -> AccountRead:
        return account_read(await people(gateway).disable(account_id, current(request)))

    @post("/{account_id:str}/unlock", status_code=200,
          summary="Let a locked-out person try again before the lockout ends")
    async def unlock(self, request: Request, account_id: AccountId,
                     gateway: StateDep) -> AccountRead:
        return account_read(await people(gateway).unlock(account_id, current(request)))

    @post("/{account_id:str}/sign-out", status_code=200,
          summary="End every session of an account")
    async def sign_out(self, request: Request, account_id: AccountId,
                       gateway: StateDep) -> AccountRead:
        return account_read(await people(gateway).sign_out_everywhere(account_id,
                                                                      current(request)))
