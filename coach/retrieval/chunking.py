"""Documents → chunks with stable citation ids and contextual headers.

Whole sections (policy clauses, product facets, templates) are one chunk each, so a citation points at a complete
rule. Free text (slides, pages, prose) is split with LangChain's RecursiveCharacterTextSplitter at Chinese sentence
ends. Every chunk carries a header — document title, section and, for products, name and category — that is
prepended to what is embedded and BM25-indexed but not to the text returned for citing: a chunk cut from a long
page then still knows what it is about (architecture.md: 36 % → 86 % hit@3 on a catalogue).
"""

from __future__ import annotations

import re
from functools import lru_cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from coach.retrieval.documents import Chunk, Document, Section

# Paragraph, line, then Chinese and Western sentence ends, then clause breaks; "" is the last resort.
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "!", "?", ";", "…", "，", ",", " ", ""]
CHUNK_CHARS = 320  # ≈ 250 e5 tokens of Chinese: well inside the model's 512-token window, header included
OVERLAP_CHARS = 40


# Sentence views: a long chunk is also embedded sentence by sentence (each with the chunk's header), and dense search
# scores the chunk by its best view. One vector for a 200-character clause blurs its sentences together; measured on
# eval/retrieval: dense hit@3 0.76 → 0.86, hybrid hit@1 0.65 → 0.71, for ~2.9× the embedding time of a first index.
# Short chunks (one sentence, or under VIEW_MIN_CHARS) are focused already and get none.
VIEW_MIN_CHARS = 80
MAX_VIEWS = 12
VIEW_SEP = "@@v"  # view ids in Chroma: <chunk id>@@v<n>
_SENTENCE = re.compile(r"(?<=[。！？；!?;\n])")


def sentence_views(chunk: Chunk) -> list[str]:
    if len(chunk.text) < VIEW_MIN_CHARS:
        return []
    sentences = [s.strip() for s in _SENTENCE.split(chunk.text) if len(s.strip()) >= 4]
    if len(sentences) < 2:
        return []
    return [f"{chunk.header}\n{s}" if chunk.header else s for s in sentences[:MAX_VIEWS]]


def embedding_texts(chunk: Chunk) -> list[str]:
    """Everything embedded for a chunk: the whole (header + text) first, then its sentence views."""
    return [chunk.embed_text, *sentence_views(chunk)]


def view_ids(chunk_id: str, views: int) -> list[str]:
    return [chunk_id] + [f"{chunk_id}{VIEW_SEP}{n}" for n in range(1, views + 1)]


def parent_id(entry_id: str) -> str:
    return entry_id.split(VIEW_SEP, 1)[0]


@lru_cache(maxsize=1)
def _splitter() -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS,
                                          separators=SEPARATORS, keep_separator="end")


def header(doc: Document, section: Section) -> str:
    if doc.type == "product":
        who = f"{doc.product_name}（{doc.category}，{doc.sku}）" if doc.category else f"{doc.product_name}（{doc.sku}）"
        return f"{who}｜{section.label}"
    parts = [doc.title]
    if section.label and section.label != doc.title:
        parts.append(section.label)
    head = "｜".join(parts)
    if doc.type == "promotion" and (doc.effective_from or doc.effective_to):
        head += f"（有效期：{doc.effective_from or '不限'}至{doc.effective_to or '长期'}）"
    return head


def chunk_document(doc: Document) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        text = section.text.strip()
        if not text:
            continue
        head = header(doc, section)
        if section.kind == "whole":
            chunks.append(Chunk(f"{doc.doc_id}#{section.key}", doc, section, text, head))
            continue
        for n, piece in enumerate(_splitter().split_text(text), start=1):
            if piece.strip():
                chunks.append(Chunk(f"{doc.doc_id}#{section.key}-{n}", doc, section, piece.strip(), head))
    return chunks


def chunk_documents(docs: list[Document]) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d)]
