"""Reversible redaction: PII becomes placeholders such as ⟦手机号1⟧ before text leaves the process.

Placeholder syntax: ⟦label n⟧ with U+27E6/U+27E7 (mathematical white square brackets). They never occur in
ordinary Chinese or English text, are single tokens-ish for LLM tokenisers, and models copy them verbatim; the
labels tell the model what was there (a phone number, an address) so it can still write "我们会致电⟦手机号1⟧".

Reversibility is exact: a literal ⟦ in the input is escaped as ⟦⟧ and restored, so restore(redact(t).text) == t
for every t. One Redactor per request keeps placeholders consistent across the customer message, the draft and the
model's answer; the same surface string always gets the same placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from coach.privacy.detect import PiiType, Span, detect

LABELS: dict[PiiType, str] = {
    "phone": "手机号", "landline": "座机", "id_card": "身份证号", "bank_card": "银行卡号", "order": "订单号",
    "email": "邮箱", "address": "地址", "name": "姓名",
}
OPEN, CLOSE = "⟦", "⟧"
_ESCAPED_OPEN = OPEN + CLOSE
# An escaped literal ⟦, or a placeholder (models sometimes add spaces inside the brackets).
_TOKEN_RE = re.compile(r"⟦⟧|⟦[ \t]*([^⟦⟧\s]{1,24})[ \t]*⟧")


def _restore(text: str, mapping: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return OPEN
        return mapping.get(f"{OPEN}{m.group(1)}{CLOSE}", m.group())

    return _TOKEN_RE.sub(sub, text)


@dataclass(frozen=True)
class Redaction:
    """One redacted text. `spans` refer to the original text; `placeholders[i]` replaced `spans[i]`."""

    text: str
    mapping: dict[str, str] = field(repr=False)  # placeholder -> original; personal data, never logged
    spans: tuple[Span, ...] = ()
    placeholders: tuple[str, ...] = ()

    def restore(self, text: str) -> str:
        """Put the originals back into `text` (e.g. a model's rewrite that copied the placeholders)."""
        return _restore(text, self.mapping)


class Redactor:
    """Redacts several texts of one request with one consistent placeholder numbering."""

    def __init__(self, types: Collection[PiiType] | None = None) -> None:
        self.types = types
        self._mapping: dict[str, str] = {}
        self._by_value: dict[str, str] = {}
        self._counts: dict[PiiType, int] = {}

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._mapping)

    def placeholder(self, kind: PiiType, value: str) -> str:
        if value not in self._by_value:
            n = self._counts[kind] = self._counts.get(kind, 0) + 1
            token = f"{OPEN}{LABELS[kind]}{n}{CLOSE}"
            self._by_value[value] = token
            self._mapping[token] = value
        return self._by_value[value]

    def redact(self, text: str) -> Redaction:
        spans = tuple(detect(text, self.types))
        parts: list[str] = []
        placeholders: list[str] = []
        pos = 0
        for s in spans:
            parts.append(text[pos : s.start].replace(OPEN, _ESCAPED_OPEN))
            placeholders.append(self.placeholder(s.type, text[s.start : s.end]))
            parts.append(placeholders[-1])
            pos = s.end
        parts.append(text[pos:].replace(OPEN, _ESCAPED_OPEN))
        mapping = {p: self._mapping[p] for p in placeholders}
        return Redaction("".join(parts), mapping, spans, tuple(placeholders))

    def restore(self, text: str) -> str:
        """Restore placeholders from any text this Redactor has redacted."""
        return _restore(text, self._mapping)


def redact(text: str, types: Collection[PiiType] | None = None) -> Redaction:
    """Redact one text with a fresh Redactor (use a Redactor to share placeholders across texts)."""
    return Redactor(types).redact(text)


def mask(text: str) -> str:
    """Irreversible redaction for logs and reports: ⟦手机号⟧ without a number, nothing to restore."""
    parts: list[str] = []
    pos = 0
    for s in detect(text):
        parts += [text[pos : s.start], f"{OPEN}{LABELS[s.type]}{CLOSE}"]
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)
