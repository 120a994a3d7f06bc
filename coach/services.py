"""The service container: everything built from one Settings object, once, and passed explicitly.

CLI commands, the web app, the REST API and the eval runner all go through here, so they run the same code paths.
Heavy parts (the KB with its embedder, the critic's fact book) are created lazily on first use.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from coach.critic.engine import Critic
from coach.models import Case, Critique
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.drafting import DraftResult
    from coach.drafting.models import DraftChunk, DraftFinal
    from coach.llm import LLM, LLMCritic
    from coach.models import Order, Turn
    from coach.retrieval import KnowledgeBase
    from coach.retrieval.embeddings import KBEmbeddings

log = logging.getLogger(__name__)
# the bundled model's vectors for the demo shop's chunks (regenerate: python -m coach.retrieval.seed)
DEMO_VECTORS = Path(__file__).resolve().parent / "data" / "demo-vectors.sqlite"


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def kb(self) -> KnowledgeBase:
        from coach.retrieval import KnowledgeBase

        self.settings.ensure_dirs()
        return KnowledgeBase.open(self.settings, embeddings=self._embeddings())

    def _embeddings(self) -> KBEmbeddings:
        """The bundled embedder behind a per-data-dir vector cache. On first run the cache is seeded with the demo
        shop's vectors shipped in knowledge/ (made by `python -m coach.retrieval.seed`), so indexing the demo shop
        embeds nothing; any other or changed text is embedded normally and cached."""
        from coach.retrieval.embeddings import CachedEmbeddings, make_embeddings

        inner = make_embeddings(self.settings)
        if self.settings.embeddings.strip().lower() not in ("", "bundled"):
            return inner
        cache = self.settings.data_dir / "vectors.sqlite"
        seed = DEMO_VECTORS
        if not cache.exists() and seed.exists():
            shutil.copyfile(seed, cache)
        return CachedEmbeddings(inner, cache)

    @cached_property
    def critic(self) -> Critic:
        return Critic.load(kb=self.kb, as_of=self.settings.as_of(), prompts_dir=self.settings.prompts_dir)

    def ensure_demo_index(self) -> bool:
        """Index the bundled demo shop when this data dir has no knowledge yet. Returns True if it indexed."""
        with self._lock:
            if not self.kb.is_empty():
                return False
            log.info("first run: indexing the demo shop from %s", self.settings.knowledge_dir)
            self.kb.index([self.settings.knowledge_dir])
            self.critic.refresh()
            return True

    # ------------------------------------------------------------------------------------------- LLM mode
    # Rules mode (no COACH_LLM_BASE_URL/COACH_LLM_MODEL) never imports coach.llm: its path is unchanged.

    @cached_property
    def llm(self) -> LLM | None:
        """The LLM service when one is configured and can be built; None in rules mode (see `llm_problem`)."""
        if not self.settings.llm_enabled:
            return None
        from coach.errors import CoachError
        from coach.llm import LLM
        from coach.llm.prompts import PromptLibrary

        try:
            return LLM.from_settings(self.settings, PromptLibrary.load(self.settings.prompts_dir, self.critic.rubric))
        except (CoachError, ImportError, OSError, ValueError) as exc:
            self.llm_problem = f"大模型配置无法使用（{type(exc).__name__}: {exc}），使用规则模式。"
            log.warning("LLM mode unavailable: %s", self.llm_problem)
            return None

    llm_problem: str | None = None

    @cached_property
    def llm_critic(self) -> LLMCritic | None:
        if self.llm is None:
            return None
        from coach.llm import LLMCritic

        return LLMCritic(self.llm, self.critic, self.kb)

    def critique(self, case: Case) -> Critique:
        rules = self.critic.critique(case)
        return rules if not self.settings.llm_enabled else self._with_llm(case, rules)

    def _with_llm(self, case: Case, rules: Critique) -> Critique:
        if self.llm_critic is None:
            rules.notices.append(self.llm_problem or "大模型不可用，使用规则模式。")
            return rules
        return self.llm_critic.critique(case, rules)

    def stream_critique(self, case: Case) -> Iterator[tuple[Literal["rules", "final"], Critique]]:
        """For the UI: in LLM mode ("rules", the rules critique) at once, then ("final", the merged critique) when
        the model has answered (or failed: the rules critique with a notice); in rules mode only ("final", …)."""
        rules = self.critic.critique(case)
        if not self.settings.llm_enabled:
            yield "final", rules
            return
        yield "rules", rules.model_copy(deep=True)
        yield "final", self._with_llm(case, rules)

    def draft(self, customer: str, *, context: list[Turn] | None = None, order: Order | None = None,
              scene: str | None = None) -> DraftResult:
        """A reply drafted from the shop's templates and facts, verified by the critic (coach.drafting)."""
        from coach.drafting import DraftRequest
        from coach.drafting.service import draft

        return draft(self, DraftRequest(customer=customer, context=context or [], order=order, scene=scene))

    def stream_draft(self, customer: str, *, context: list[Turn] | None = None, order: Order | None = None,
                     scene: str | None = None) -> Iterator[DraftChunk | DraftFinal]:
        """For the UI: DraftChunk events (LLM mode: preview text the critic already passed, to append), then one
        DraftFinal with the verified DraftResult (replace the preview when `replaces_preview`)."""
        from coach.drafting import DraftRequest
        from coach.drafting.service import stream_draft

        yield from stream_draft(self, DraftRequest(customer=customer, context=context or [], order=order,
                                                   scene=scene))
