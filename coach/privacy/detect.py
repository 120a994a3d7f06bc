"""Find PII spans in a text: every recogniser proposes spans, overlaps are settled by a fixed priority.

Priority (highest first): e-mail > numeric identifiers > address > name. An e-mail like 13812345678@163.com is one
e-mail, not a phone number plus a domain; a number never belongs to an address (house numbers are ≤ 5 digits).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, get_args

from coach.privacy.address import find_addresses
from coach.privacy.names import find_emails, find_names
from coach.privacy.numbers import find_numbers

PiiType = Literal["phone", "landline", "id_card", "bank_card", "order", "email", "address", "name"]
PII_TYPES: tuple[PiiType, ...] = get_args(PiiType)


@dataclass(frozen=True, slots=True)
class Span:
    """A PII span of the original text: text[start:end]."""

    type: PiiType
    start: int
    end: int


def detect(text: str, types: Collection[PiiType] | None = None) -> list[Span]:
    """Non-overlapping PII spans of `text`, in order of position."""
    candidates: list[tuple[int, Span]] = [(0, Span("email", a, b)) for a, b in find_emails(text)]
    candidates += [(1, Span(kind, a, b)) for kind, a, b in find_numbers(text)]
    candidates += [(2, Span("address", a, b)) for a, b in find_addresses(text)]
    candidates += [(3, Span("name", a, b)) for a, b in find_names(text)]
    chosen: list[Span] = []  # kept sorted by start, never overlapping
    for _, span in sorted(candidates, key=lambda c: (c[0], c[1].start - c[1].end, c[1].start)):
        i = bisect_left(chosen, span.start, key=lambda s: s.start)
        if (i > 0 and chosen[i - 1].end > span.start) or (i < len(chosen) and chosen[i].start < span.end):
            continue
        chosen.insert(i, span)
    # Types left out still win their overlaps, so a filter never changes where the other spans are.
    return chosen if types is None else [s for s in chosen if s.type in types]
