"""The service container: everything built from one Settings object, once, and passed explicitly.

CLI commands, the web app, the REST API and the eval runner all go through here, so they run the same code paths.
Heavy parts (the KB with its embedder, the critic's fact book) are created lazily on first use.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from coach.critic.engine import Critic
from coach.models import Case, Critique
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.retrieval import KnowledgeBase

log = logging.getLogger(__name__)


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def kb(self) -> KnowledgeBase:
        from coach.retrieval import KnowledgeBase

        self.settings.ensure_dirs()
        return KnowledgeBase.open(self.settings)

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

    def critique(self, case: Case) -> Critique:
        return self.critic.critique(case)
