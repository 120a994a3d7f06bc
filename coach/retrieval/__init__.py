"""Retrieval: load shop documents, chunk them, embed them into Chroma, and search them (dense + BM25, fused).

The public surface is `KnowledgeBase` (kb.py); the rest are small parts it is built from.
"""

from coach.retrieval.kb import KnowledgeBase, SearchMode
from coach.retrieval.report import FileIssue, IndexReport
from coach.retrieval.validity import Validity

__all__ = ["FileIssue", "IndexReport", "KnowledgeBase", "SearchMode", "Validity"]
