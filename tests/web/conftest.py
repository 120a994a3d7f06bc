"""Fixtures of the web tests. The accounts fixtures live in tests/web/accounts.py (fast_hash, accounts, shop)."""

from .accounts import accounts, fast_hash, shop  # noqa: F401  (fixtures, re-exported for pytest)
