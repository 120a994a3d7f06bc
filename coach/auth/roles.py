"""Roles → permissions → visible web tabs, read from roles.yaml beside this module (the whole access policy in one
reviewable data file; the reasons for each set are written there)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")
ALL = "*"


@dataclass(frozen=True)
class Policy:
    permissions: dict[str, str]          # permission -> what it allows
    roles: dict[str, frozenset[str]]     # role -> permissions ("*" = all)
    tabs: dict[str, str]                 # web tab key -> permission that shows it

    def allows(self, role: str, permission: str) -> bool:
        granted = self.roles.get(role, frozenset())
        return ALL in granted or permission in granted

    def tabs_for(self, role: str) -> set[str]:
        return {tab for tab, perm in self.tabs.items() if self.allows(role, perm)}


@cache
def policy(path: Path = ROLES_FILE) -> Policy:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    perms = {str(k): str(v) for k, v in raw["permissions"].items()}
    roles = {str(r): frozenset(str(p) for p in ps) for r, ps in raw["roles"].items()}
    tabs = {str(k): str(v) for k, v in raw["tabs"].items()}
    for role, granted in roles.items():  # a typo in the policy must fail loudly, not silently deny or allow
        unknown = granted - set(perms) - {ALL}
        if unknown:
            raise ValueError(f"{path.name}: role {role!r} has unknown permissions {sorted(unknown)}")
    if set(tabs.values()) - set(perms):
        raise ValueError(f"{path.name}: a tab names an unknown permission")
    return Policy(perms, roles, tabs)


def role_names() -> list[str]:
    return list(policy().roles)
