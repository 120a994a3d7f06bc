"""Query expansion for BM25 from a data file (synonyms.yaml): customers say 快递钱 where policies say 运费.

Only the BM25 side of a question is expanded — adding words to a dense query moves its vector in ways that are hard
to predict — and chunks are never touched, so the index does not depend on this file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from coach.retrieval.segmentation import normalize

DEFAULT_PATH = Path(__file__).with_name("synonyms.yaml")


class QueryExpander:
    def __init__(self, rules: list[tuple[re.Pattern[str], str]]) -> None:
        self.rules = rules

    @classmethod
    def from_file(cls, path: Path) -> QueryExpander:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rules = []
        for n, rule in enumerate(data.get("rules", []), start=1):
            try:
                rules.append((re.compile(str(rule["when"])), str(rule["add"])))
            except (KeyError, TypeError, re.error) as exc:
                raise ValueError(f"{path}: rule {n} is invalid ({exc}); each needs `when` (a regex) and `add`") from None
        return cls(rules)

    def extra(self, query: str) -> str:
        """The words to add for this question ('' when no rule matches)."""
        text = normalize(query)
        words = [w for pattern, add in self.rules if pattern.search(text) for w in add.split()]
        # only what the question lacks: a word it already has would count twice (羽绒服 → 羽绒服)
        return " ".join(w for w in words if w not in text)


@lru_cache(maxsize=1)
def default_expander() -> QueryExpander:
    return QueryExpander.from_file(DEFAULT_PATH)
