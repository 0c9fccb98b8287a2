"""A person's account: invitation link, lockout, roles a person may hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.accounts.domain import (
    LOCKOUT,
    MAX_FAILURES,
    Account,
    AccountRefused,
    account_id,
    principal_of,
    role_problem,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def invited() -> Account:
    account = Account("Pat@Example.com ", "planner", "admin")
    account.issue_token("digest", "invitation", NOW)
    return account


def test_one_address_is_one_account_whatever_its_case():
    assert invited().id == account_id("pat@example.com") and invited().email == "pat@example.com"


def test_the_invitation_sets_a_password_once_and_not_after_a_week():
    account = invited()
    with pytest.raises(AccountRefused):
        account.set_password("hash", "another digest", NOW)
    late = invited()
    with pytest.raises(AccountRefused):
        late.set_password("hash", "digest", NOW + timedelta(days=7, seconds=1))
    account.set_password("hash", "digest", NOW)
    assert account.may_sign_in(NOW)
    with pytest.raises(AccountRefused):
        account.set_password("hash2", "digest", NOW)


def test_repeated_failures_lock_the_account_for_a_while_and_success_resets_the_count():
    account = invited()
    account.set_password("hash", "digest", NOW)
    for _ in range(MAX_FAILURES - 1):
        account.sign_in_failed(NOW)
    account.signed_in(NOW)
    for _ in range(MAX_FAILURES - 1):
        account.sign_in_failed(NOW)
    assert account.may_sign_in(NOW)
    account.sign_in_failed(NOW)
    assert not account.may_sign_in(NOW + LOCKOUT - timedelta(seconds=1))
    assert account.may_sign_in(NOW + LOCKOUT)


def test_a_disabled_account_neither_signs_in_nor_gets_a_link():
    account = invited()
    account.set_password("hash", "digest", NOW)
    account.disable("admin")
    assert not account.may_sign_in(NOW)
    with pytest.raises(AccountRefused):
        account.issue_token("new", "reset", NOW)


@pytest.mark.parametrize("role, principal", [
    ("admin", "admin"), ("planner", "planner"), ("customer_service", "customer_service"),
    ("factory_manager:f1", "factory:f1"), ("factory_operator:f1", "factory:f1"),
    ("designer:d7", "designer:d7")])
def test_each_role_is_a_principal_the_services_know(role, principal):
    assert role_problem(role) == "" and principal_of(role) == principal


@pytest.mark.parametrize("role", ["boss", "factory_manager", "planner:f1", "designer:", "channel:x",
                                  "factory_operator:a b"])
def test_other_roles_are_refused(role):
    assert role_problem(role)
