"""The users file: accounts with a role, a bcrypt password hash and hashed API tokens.

It lives at Settings.users_path (default <COACH_DATA_DIR>/users.yaml), is written atomically (temp file + rename)
with mode 0600 under a file lock, and is re-read when it changes on disk, so `coach users …` takes effect in a
running server without a restart. A malformed file is reported with its line and reason and never overwritten.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.auth.passwords import hash_password
from coach.auth.roles import role_names
from coach.auth.tokens import new_token
from coach.errors import InputError

log = logging.getLogger(__name__)
NAME_RE = re.compile(r"^[\w.@-]{1,40}$")  # also used as the roleplay trainee id, so no spaces or slashes
HEADER = "# 话术教练 accounts: managed by `coach users` (hand edits are checked on load). Keep private (mode 0600).\n"


class UsersFileError(InputError):
    """The users file cannot be read: the message names the file, the line and the reason."""


class TokenRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    created: str = ""
    label: str = ""


class UserRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: str
    password: str = Field(min_length=1)
    tokens: list[TokenRecord] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _as_value_error(check_name, v)

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        return _as_value_error(check_role, v)


class UsersDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    users: list[UserRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> UsersDoc:
        seen: set[str] = set()
        for u in self.users:
            if u.name in seen:
                raise ValueError(f"user {u.name!r} appears twice")
            seen.add(u.name)
        return self

    def get(self, name: str) -> UserRecord:
        for u in self.users:
            if u.name == name:
                return u
        raise InputError(f"没有这个用户 / no such user: {name!r}")


def _as_value_error(check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except InputError as exc:  # pydantic reports ValueError with the field's location
        raise ValueError(str(exc)) from None


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise InputError(f"用户名不合法 / invalid user name {name!r}: 1–40 letters, digits, Chinese, '.', '_', '-', '@'")
    return name


def check_role(role: str) -> str:
    if role not in role_names():
        raise InputError(f"未知角色 / unknown role {role!r}: choose one of {', '.join(role_names())}")
    return role


@dataclass(frozen=True)
class Snapshot:
    """A parsed users file, indexed for per-request lookups."""

    users: dict[str, UserRecord]
    by_token: dict[str, tuple[str, str]]  # token hash -> (user name, token id)

    @classmethod
    def of(cls, doc: UsersDoc) -> Snapshot:
        return cls({u.name: u for u in doc.users},
                   {t.hash: (u.name, t.id) for u in doc.users for t in u.tokens})


class UserStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()
        self._cached: tuple[tuple[int, int, int], Snapshot] | None = None

    # ------------------------------------------------------------------ reading

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> UsersDoc:
        """The file's content, validated; an absent file is an empty store."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return UsersDoc()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsersFileError(f"{self.path}: cannot read ({exc})") from None
        return parse(text, self.path)

    def snapshot(self) -> Snapshot:
        """The current accounts, re-read only when the file changed. If an edit broke the file, the last good
        version stays in force (logged): a typo must not lock every user out or let anyone in."""
        try:
            st = self.path.stat()
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            return Snapshot({}, {})  # the file was deleted: nobody can log in (fail closed)
        with self._mutex:
            if self._cached and self._cached[0] == key:
                return self._cached[1]
            try:
                snap = Snapshot.of(self.read())
            except UsersFileError as exc:
                if self._cached is None:
                    raise
                log.error("users file changed but is invalid; keeping the previous accounts: %s", exc)
                return self._cached[1]
            self._cached = (key, snap)
            return snap

    # ------------------------------------------------------------------ changing (the `coach users` commands)

    def _update(self, change: Callable[[UsersDoc], Any]) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=10):
            doc = self.read()  # raises on a malformed file before anything is written
            result = change(doc)
            self._write(doc)
            return result

    def _write(self, doc: UsersDoc) -> None:
        body = yaml.safe_dump(doc.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
        fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".tmp", dir=self.path.parent)  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(HEADER + body)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def add(self, name: str, role: str, password: str) -> None:
        check_name(name)
        check_role(role)
        hashed = hash_password(password)

        def change(doc: UsersDoc) -> None:
            if any(u.name == name for u in doc.users):
                raise InputError(f"用户已存在 / user {name!r} already exists (use `coach users set-role` or remove it)")
            doc.users.append(UserRecord(name=name, role=role, password=hashed))

        self._update(change)

    def remove(self, name: str) -> None:
        self._update(lambda doc: doc.users.remove(doc.get(name)))

    def set_role(self, name: str, role: str) -> None:
        check_role(role)

        def change(doc: UsersDoc) -> None:
            doc.get(name).role = role

        self._update(change)

    def set_password(self, name: str, password: str) -> None:
        hashed = hash_password(password)

        def change(doc: UsersDoc) -> None:
            doc.get(name).password = hashed

        self._update(change)

    def add_token(self, name: str, label: str = "") -> tuple[str, str]:
        """Create an API token for the user: (token id, token). The token is not stored and cannot be shown again."""
        token_id, token, hashed = new_token()
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def change(doc: UsersDoc) -> None:
            doc.get(name).tokens.append(TokenRecord(id=token_id, hash=hashed, created=now, label=label))

        self._update(change)
        return token_id, token

    def revoke_token(self, name: str, token_id: str | None) -> int:
        """Revoke one token by id, or all of the user's tokens when token_id is None; returns how many."""

        def change(doc: UsersDoc) -> int:
            user = doc.get(name)
            keep = [t for t in user.tokens if token_id is not None and t.id != token_id]
            gone = len(user.tokens) - len(keep)
            if token_id is not None and not gone:
                raise InputError(f"用户 {name!r} 没有这个令牌 / no token {token_id!r} for {name!r}")
            user.tokens = keep
            return gone

        return int(self._update(change))


def parse(text: str, path: Path) -> UsersDoc:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise UsersFileError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if raw is None:
        raw = {}
    try:
        return UsersDoc.model_validate(raw)
    except (ValidationError, InputError) as exc:
        raise UsersFileError(_describe(exc, text, path)) from None


def _describe(exc: ValidationError | InputError, text: str, path: Path) -> str:
    if isinstance(exc, InputError):
        return f"{path}: {exc}"
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    line = _line_of(text, loc)
    where = ".".join(str(p) for p in loc) or "top level"
    reason = str(err["msg"]).removeprefix("Value error, ")
    return f"{path}{f' line {line}' if line else ''}: {where}: {reason}"


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a validation error's location (the deepest node that exists)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
