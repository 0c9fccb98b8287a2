"""Accounts for people: invitation, password, lockout, roles, revocable sessions (issue 19)."""
