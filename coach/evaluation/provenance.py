"""What a run ran on: git commit, a settings summary without secrets, prompt files at their versions, the KB.

Two runs are only comparable when these match (or their differences are the point); every report and the run
history carry them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import xxhash

from coach.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    from coach.services import Services


def git_commit(repo: Path = REPO_ROOT) -> dict[str, Any]:
    """HEAD and whether tracked files differ from it; {"commit": None} without git or outside a repository."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=5,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head or None, "dirty": bool(dirty)}


def _safe_url(url: str | None) -> str | None:
    """Scheme, host and path only: a base URL can carry credentials (user:key@host) or a key in its query."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme:
        return url if "@" not in url and "?" not in url else "(custom)"
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def settings_summary(settings: Settings) -> dict[str, Any]:
    return {"mode": settings.mode, "llm_model": settings.llm_model, "llm_base_url": _safe_url(settings.llm_base_url),
            "embeddings": _safe_url(settings.embeddings), "embeddings_model":
            settings.embeddings_model if settings.embeddings not in ("bundled", "hash") else None,
            "chroma": "server" if settings.chroma_url else "embedded",
            "as_of": settings.as_of().isoformat()}


PROMPT_FILES = ("*.yaml", "llm/*.prompt", "roleplay/*.yaml")  # scenarios/ are data, versioned by git alone
_TOP_LEVEL = re.compile(r"^(id|version):[ \t]*[\"']?([^\"'#\n]*?)[\"']?[ \t]*(?:#.*)?$", re.M)


def prompt_versions(prompts_dir: Path) -> dict[str, str]:
    """`name@version#hash` of every YAML in prompts/: the version the file claims and a hash of its content,
    because a file edited without bumping its version is still a different prompt. Only the top-level `id:` and
    `version:` lines are read (parsing the whole rubric and lexicon on every run would cost a second)."""
    out: dict[str, str] = {}
    for pattern in PROMPT_FILES:
        for path in sorted(prompts_dir.glob(pattern)):
            rel = path.relative_to(prompts_dir).with_suffix("").as_posix()
            try:
                raw = path.read_bytes()
            except OSError:
                out[rel] = "unreadable"
                continue
            text = raw.decode("utf-8", "replace")
            if path.suffix == ".prompt":  # only the front matter: the template body is free text
                text = text.split("---", 2)[1] if text.startswith("---") and text.count("---") >= 2 else ""
            meta = {m.group(1): m.group(2) for m in _TOP_LEVEL.finditer(text)}
            prefix = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            out[prefix + (meta.get("id") or path.stem)] = f"{meta.get('version') or '?'}#{xxhash.xxh64(raw).hexdigest()[:8]}"
    return out


def kb_summary(services: Services) -> dict[str, Any]:
    kb = services.__dict__.get("kb")  # only if the run opened it: never open a KB just to describe it
    if kb is None:
        return {}
    stats = kb.stats()
    return {"version": stats.get("version"), "chunks": stats.get("chunks"), "model_id": stats.get("model_id")}


def provenance(services: Services) -> dict[str, Any]:
    return {"git": git_commit(), "settings": settings_summary(services.settings),
            "prompts": prompt_versions(services.settings.prompts_dir), "kb": kb_summary(services)}
