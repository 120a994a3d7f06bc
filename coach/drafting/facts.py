"""Policy facts for templates: retrieve the clause with a typed KB search, pull the value out of its text.

Each fact spec (knowledge/templates/common.yaml `facts:`) is a query, the chunk types to search and a regular
expression whose `value` group (or whole match) is the value, e.g. return_days = "7" from policy:returns#1. The value
is quoted from the shop's own text and carries the chunk id as its citation; a fact the KB does not state is absent,
and templates that need it are not used — nothing is ever filled in from code.

The queries do not depend on the customer, so results are cached per KB version and date: drafting pays for
retrieval once after each re-index, not on every request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from coach.claims.facts import KBLike

SEARCH_K = 8  # the clause must be among the top hits of its own query; a bigger KB gets a few more chances


@dataclass(frozen=True)
class FactValue:
    name: str
    value: str
    citation: str
    label: str = ""


class FactRetriever:
    def __init__(self, kb: KBLike, specs: dict[str, dict[str, Any]], as_of: date) -> None:
        self.kb = kb
        self.specs = specs
        self.as_of = as_of
        self._cache: dict[str, FactValue | None] = {}
        self._version: str | None = None
        self._lock = threading.Lock()

    def all(self) -> dict[str, FactValue]:
        version = str(getattr(self.kb, "version", ""))
        with self._lock:
            if version != self._version:
                self._cache = {}
                self._version = version
            for name in self.specs:
                if name not in self._cache:
                    self._cache[name] = self._find(name)
            return {n: v for n, v in self._cache.items() if v is not None}

    def _find(self, name: str) -> FactValue | None:
        spec = self.specs[name]
        rx = re.compile(spec["pattern"])
        try:
            hits = self.kb.search(spec["query"], k=SEARCH_K, types=spec["types"], as_of=self.as_of, mode="bm25")
        except Exception:  # a KB that cannot answer leaves the fact absent (templates that need it fall back)
            return None
        for hit in hits:
            m = rx.search(hit.text)
            if m:
                value = m.group("value") if "value" in rx.groupindex else m.group(0)
                return FactValue(name, value.strip(), hit.id, spec.get("label", name))
        return None
