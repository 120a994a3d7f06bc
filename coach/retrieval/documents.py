"""What loaders produce and chunking consumes: documents made of sections, and the chunks cut from them.

A file can hold several documents (a product table holds one document per product), and a document keeps its
sections in order. Loaders only decide *what* the sections are; chunking decides how they are cut and named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# "whole" sections (policy clauses, product facets, templates) are never split: a clause is the unit a citation
# points at. "free" sections (slides, pages, prose) are split at Chinese sentence ends.
SectionKind = Literal["whole", "free"]


@dataclass
class Section:
    key: str  # the part of the chunk id after '#': "3" for clause 3, "main" for a product, "p2" for a PDF page
    label: str  # human label shown with citations, e.g. "3. 七天无理由退货的例外"
    text: str
    kind: SectionKind = "whole"


@dataclass
class Document:
    doc_id: str  # e.g. policy:returns, product:NY-AP-001, doc:培训手册
    type: str  # policy | promotion | product | template | document
    title: str
    path: str  # the file it came from (absolute); several documents can share one file
    sections: list[Section] = field(default_factory=list)
    source: str = ""  # provenance from the front matter, e.g. 《售后服务规范》第3版
    version: str = ""
    effective_from: str | None = None  # ISO dates; None = open-ended
    effective_to: str | None = None
    sku: str | None = None
    product_name: str | None = None
    category: str | None = None


@dataclass
class Chunk:
    id: str  # citation id: <doc id>#<section key>[-<n>]
    doc: Document
    section: Section
    text: str  # the clean text, returned for citing
    header: str  # contextual header: title / section / product, prepended to what is embedded and BM25-indexed

    @property
    def embed_text(self) -> str:
        return f"{self.header}\n{self.text}" if self.header else self.text

    def metadata(self, content_hash: str) -> dict[str, Any]:
        """Flat metadata for the vector store (Chroma allows str/int/float/bool values only, no None)."""
        d = self.doc
        return {
            "doc_id": d.doc_id, "type": d.type, "title": d.title, "section": self.section.label,
            "section_key": self.section.key, "sku": d.sku or "", "product_name": d.product_name or "",
            "category": d.category or "", "effective_from": d.effective_from or "",
            "effective_to": d.effective_to or "", "source_path": d.path, "source": d.source,
            "version": d.version, "hash": content_hash, "header": self.header,
        }


class LoadError(Exception):
    """A file could not be turned into documents; the message is the reason shown to the user."""
