"""People's accounts: invite, change a role, read (never a password or a token)."""

from __future__ import annotations

from typing import Annotated

import msgspec

Role = Annotated[str, msgspec.Meta(max_length=80, description=(
    "admin, planner, customer_service, factory_manager:<factory id>, "
    "factory_operator:<factory id> or designer:<designer id>"))]


class InviteAccount(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    role: Role


class ChangeRole(msgspec.Struct, forbid_unknown_fields=True):
    role: Role


class AccountRead(msgspec.Struct):
    account_id: str
    email: str
    role: str
    invited_by: str
    password_set: bool
    disabled: bool
    locked_until: str | None
