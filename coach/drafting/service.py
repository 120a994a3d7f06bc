"""One Drafter per Services container, rebuilt when the template files change.

Trainers edit knowledge/templates/ while the app runs: the library is reloaded when a file's size or mtime
changes. A file that no longer validates does not take drafting down: the last good library stays in use and every
result carries a notice naming the problem (the message names file, line and template id).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from coach.drafting.drafter import Drafter
from coach.drafting.models import DraftChunk, DraftFinal, DraftRequest, DraftResult
from coach.drafting.strategies import DraftStrategy
from coach.drafting.templates import Library, TemplateError, load_library
from coach.drafting.variables import VOCABULARY

if TYPE_CHECKING:
    from coach.services import Services

_lock = threading.Lock()
_holders: weakref.WeakKeyDictionary[Services, _Holder] = weakref.WeakKeyDictionary()


def templates_dir(services: Services) -> Path:
    return services.settings.knowledge_dir / "templates"


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.glob("*.y*ml")))


class _Holder:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.folder = templates_dir(services)
        self.signature: tuple[tuple[str, int, int], ...] | None = None
        self.drafter: Drafter | None = None
        self.problem: str | None = None

    def get(self) -> tuple[Drafter, str | None]:
        sig = _signature(self.folder) if self.folder.is_dir() else ()
        if sig != self.signature or self.drafter is None:
            try:
                library = load_library(self.folder, VOCABULARY)
            except TemplateError as exc:
                if self.drafter is None:
                    raise
                self.problem = f"话术模板有错误，仍在使用上次成功加载的版本：{exc}"
            else:
                self.drafter = self._build(library)
                self.problem = None
            self.signature = sig
        assert self.drafter is not None
        return self.drafter, self.problem

    def _build(self, library: Library) -> Drafter:
        critic = self.services.critic
        return Drafter(critic, library, kb=self.services.kb, as_of=self.services.settings.as_of(),
                       llm=llm_strategy(self.services))


def llm_strategy(services: Services) -> DraftStrategy | None:
    """The LLM drafting strategy in LLM mode; None = rules mode only (coach.llm is then never imported). Whatever it
    proposes goes through the same critic verification as the templates, and templates remain the fallback."""
    if not services.settings.llm_enabled or services.llm is None:
        return None
    from coach.llm.adapters import LLMDraftStrategy

    return LLMDraftStrategy(services)


def _drafter(services: Services) -> tuple[Drafter, str | None]:
    with _lock:
        holder = _holders.get(services)
        if holder is None:
            holder = _holders[services] = _Holder(services)
        return holder.get()


def _noticed(services: Services, result: DraftResult, problem: str | None) -> DraftResult:
    if problem:
        result.notices.append(problem)
    if services.settings.llm_enabled and services.llm is None:  # configured but unusable: say why it is rules mode
        result.notices.append(services.llm_problem or "大模型不可用，使用规则模式。")
    return result


def draft(services: Services, req: DraftRequest) -> DraftResult:
    drafter, problem = _drafter(services)
    return _noticed(services, drafter.draft(req), problem)


def stream_draft(services: Services, req: DraftRequest) -> Iterator[DraftChunk | DraftFinal]:
    """For the UI: in LLM mode, critic-passed preview chunks as the model writes, then the verified DraftFinal;
    in rules mode just the DraftFinal (coach.llm is not imported)."""
    drafter, problem = _drafter(services)
    if not services.settings.llm_enabled or services.llm is None:
        yield DraftFinal(result=_noticed(services, drafter.draft(req), problem))
        return
    from coach.llm.stream import stream_llm_draft

    for event in stream_llm_draft(services, drafter, req):
        if isinstance(event, DraftFinal):
            _noticed(services, event.result, problem)
        yield event
