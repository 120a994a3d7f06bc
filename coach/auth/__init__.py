"""Accounts, roles and API tokens (issue 9): a users file with hashed secrets, a role → permission policy in
roles.yaml, a failed-login limiter, and the Access object the REST API and the web UI both ask."""

from coach.auth.access import (
    LOCAL_USER,
    Access,
    AccessConfigError,
    AccessError,
    Forbidden,
    Principal,
    TooManyAttempts,
    Unauthorized,
    client_address,
    is_loopback,
)
from coach.auth.ratelimit import LoginLimiter
from coach.auth.roles import policy, role_names
from coach.auth.store import UsersFileError, UserStore

__all__ = [
    "LOCAL_USER",
    "Access",
    "AccessConfigError",
    "AccessError",
    "Forbidden",
    "LoginLimiter",
    "Principal",
    "TooManyAttempts",
    "Unauthorized",
    "UserStore",
    "UsersFileError",
    "client_address",
    "is_loopback",
    "policy",
    "role_names",
]
