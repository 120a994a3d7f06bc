"""Text preparation for the analyzers.

Every analyzer works on `Text.norm`, a normalised copy of the draft that has exactly the same length as the raw
text, so a match at norm[i:j] is the verbatim evidence raw[i:j] with correct offsets. Normalisation therefore only
ever replaces one character by one character:
- Traditional → Simplified (OpenCC t2s; it is 1:1 for almost all text — where a phrase conversion changes the length
  we convert character by character instead);
- full-width digits/letters/space → ASCII, upper-case Latin → lower-case (so ＳＰＦ５０ and SPF50 read alike);
- HTML tags, Markdown emphasis/heading/quote marks → spaces (they carry no meaning for the critique).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

import jieba
import opencc

_TAG = re.compile(r"<[^<>\n]{0,200}>")
_MD = re.compile(r"(\*\*|__|~~|`+|^#{1,6} |^> ?|^[-*+] )", re.MULTILINE)
_SENT_END = re.compile(r"[^。！？!?；;\n…~～]*(?:[。！？!?；;\n…~～]+|$)")
_FW = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
_FW[0x3000] = 0x20
_FW.update({0xFF05: 0x25, 0xFF0B: 0x2B, 0xFF0D: 0x2D, 0xFF0E: 0x2E, 0xFF0F: 0x2F, 0xFF1A: 0x3A})


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    converted: str = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in text)


def normalize(text: str) -> str:
    """Same-length normalised copy of `text` (see module docstring)."""
    out = _TAG.sub(lambda m: " " * len(m.group()), text)
    out = _MD.sub(lambda m: " " * len(m.group()), out)
    out = to_simplified(out.translate(_FW)).lower()
    assert len(out) == len(text)
    return out


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # normalised text of the sentence


@dataclass
class Text:
    raw: str
    norm: str = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalize(self.raw)

    @cached_property
    def sentences(self) -> list[Sentence]:
        return list(split_sentences(self.norm))

    @cached_property
    def words(self) -> list[str]:
        return jieba.lcut(self.norm) if self.norm.strip() else []

    def span(self, start: int, end: int) -> str:
        return self.raw[start:end]

    def sentence_at(self, pos: int) -> Sentence | None:
        for s in self.sentences:
            if s.start <= pos < s.end:
                return s
        return None

    @property
    def has_content(self) -> bool:
        return bool(re.search(r"[\u4e00-\u9fffA-Za-z0-9]", self.norm))


def split_sentences(text: str, offset: int = 0) -> Iterator[Sentence]:
    """Sentences with their offsets; a sentence ends at 。！？；, a newline, ellipses or a tilde."""
    for m in _SENT_END.finditer(text):
        seg = m.group()
        if not seg.strip():
            continue
        lead = len(seg) - len(seg.lstrip())
        body = seg.strip()
        start = offset + m.start() + lead
        yield Sentence(start, start + len(body), body)
