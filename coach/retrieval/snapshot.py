"""An in-memory, read-only view of one index version: every chunk as a Passage, the BM25 index and the arrays
the metadata filters run on.

Built from chunks.json (no Chroma round-trip, no re-segmentation: tokens were stored at index time) and replaced
as a whole when the manifest changes, so a search never sees half of an index run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from coach.models import Passage
from coach.retrieval.bm25 import BM25Index
from coach.retrieval.segmentation import Segmenter
from coach.retrieval.validity import title_aliases

OPEN_END = 99991231


def date_number(iso: str | None, default: int) -> int:
    """'2026-11-11' → 20261111: Chroma's where-filters compare numbers only, and so do numpy masks."""
    return int(iso.replace("-", "")) if iso else default


def passage_from(record: dict[str, Any]) -> Passage:
    m = record["meta"]
    return Passage(id=record["id"], doc_id=m["doc_id"], type=m["type"], title=m.get("title", ""),
                   section=m.get("section", ""), text=record["text"], source=m.get("source_path", ""),
                   sku=m.get("sku") or None, effective_from=m.get("effective_from") or None,
                   effective_to=m.get("effective_to") or None)


class Snapshot:
    def __init__(self, records: list[dict[str, Any]], user_words: Sequence[str], version: int = 0) -> None:
        self.version = version
        self.records = records
        self.passages = [passage_from(r) for r in records]
        self.row = {p.id: i for i, p in enumerate(self.passages)}
        self.types = np.array([p.type for p in self.passages], dtype=object)
        self.skus = np.array([p.sku or "" for p in self.passages], dtype=object)
        self.from_n = np.array([date_number(p.effective_from, 0) for p in self.passages], dtype=np.int64)
        self.to_n = np.array([date_number(p.effective_to, OPEN_END) for p in self.passages], dtype=np.int64)
        self.views = [int(r["meta"].get("views", 0)) for r in records]
        self.entries = len(records) + sum(self.views)  # what Chroma holds: chunks + sentence views
        self.bm25 = BM25Index([str(r.get("tokens", "")).split() for r in records])
        self._user_words = list(user_words)
        self.vectors: dict[str, npt.NDArray[np.float32]] = {}  # unit vectors, filled on demand by exact search

    @cached_property
    def segmenter(self) -> Segmenter:
        return Segmenter(self._user_words)

    @cached_property
    def dated_docs(self) -> list[tuple[frozenset[str], npt.NDArray[np.bool_]]]:
        """(words naming the document, its rows) for every document with an end or a start date."""
        doc_ids = np.array([p.doc_id for p in self.passages], dtype=object)
        dated = (self.from_n > 0) | (self.to_n < OPEN_END)
        out = []
        for doc_id in dict.fromkeys(doc_ids[dated]):
            rows = doc_ids == doc_id
            title = self.passages[int(np.argmax(rows))].title
            aliases = title_aliases(title, self.segmenter.words(title))
            if aliases:
                out.append((frozenset(aliases), rows))
        return out

    @cached_property
    def alias_words(self) -> frozenset[str]:
        return frozenset(w for aliases, _ in self.dated_docs for w in aliases)

    def named(self, tokens: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Rows of the dated documents whose title words appear among a question's tokens."""
        keep = np.zeros(len(self.passages), dtype=bool)
        present = self.alias_words.intersection(tokens)
        if not present:
            return keep
        for aliases, rows in self.dated_docs:
            if aliases & present:
                keep |= rows
        return keep

    def in_force(self, day: date) -> npt.NDArray[np.bool_]:
        n = int(day.strftime("%Y%m%d"))
        return (self.from_n <= n) & (self.to_n >= n)

    def __len__(self) -> int:
        return len(self.passages)

    def mask(self, types: Sequence[str] | None, sku: str | None, as_of: date | None) -> npt.NDArray[np.bool_]:
        keep = np.ones(len(self.passages), dtype=bool)
        if types:
            keep &= np.isin(self.types, list(types))
        if sku:
            keep &= self.skus == sku
        if as_of is not None:
            keep &= self.in_force(as_of)
        return keep

    def with_score(self, row: int, score: float) -> Passage:
        return self.passages[row].model_copy(update={"score": round(score, 6)})

