"""Streaming an LLM draft to the UI without ever showing what the critic would block.

The draft prompt answers a JSON object; its "draft" string is decoded as it streams (`FieldText`) and released a
sentence at a time (`SentenceGate`): a sentence is shown only after the rules critic finds no policy_accuracy,
privacy or honest_urgency violation in everything shown so far plus it. The first blocked sentence stops the
preview. When the stream ends, the whole answer goes through the Drafter as the LLM strategy's first candidate
(critic verification, bounded regeneration, template fallback), and `DraftFinal` carries the verified result; when
its text differs from the preview, `replaces_preview` tells the UI to replace what it showed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from coach.critic.engine import Critic
from coach.drafting.drafter import CRITICAL, Drafter
from coach.drafting.grounding import Grounding
from coach.drafting.models import Candidate, DraftChunk, DraftFinal, DraftRequest
from coach.llm.adapters import LLMDraftStrategy
from coach.llm.draft import draft_inputs
from coach.llm.errors import LLMError, LLMOutputError
from coach.llm.inputs import RedactedRequest
from coach.llm.schemas import DraftOutput
from coach.llm.structured import _json_object
from coach.models import Case, Mode

if TYPE_CHECKING:
    from coach.services import Services

_SENTENCE_END = re.compile(r"[。！？!?～~…\n]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


class FieldText:
    """The decoded value of one string field of a JSON object that arrives in pieces: `feed()` returns the new
    characters of that value (nothing before the key shows up, nothing after its closing quote)."""

    def __init__(self, name: str) -> None:
        self.key = re.compile(rf'"{re.escape(name)}"\s*:\s*"')
        self.buf = ""
        self.pos: int | None = None
        self.done = False

    def feed(self, piece: str) -> str:
        self.buf += piece
        if self.pos is None:
            m = self.key.search(self.buf)
            if m is None:
                return ""
            self.pos = m.end()
        out: list[str] = []
        i, buf = self.pos, self.buf
        while i < len(buf) and not self.done:
            c = buf[i]
            if c == '"':
                self.done = True
            elif c != "\\":
                out.append(c)
            elif i + 1 >= len(buf):
                break  # the escape's second half has not arrived yet
            elif buf[i + 1] != "u":
                out.append(_ESCAPES.get(buf[i + 1], buf[i + 1]))
                i += 1
            else:
                hex4 = buf[i + 2:i + 6]
                size = 12 if hex4[:2].lower() in ("d8", "d9", "da", "db") else 6  # a surrogate pair: two escapes
                if len(hex4) < 4 or i + size > len(buf):
                    break
                try:
                    out.append(json.loads(f'"{buf[i:i + size]}"'))
                except ValueError:
                    out.append("\ufffd")
                i += size - 1
            i += 1
        self.pos = i
        return "".join(out)


class SentenceGate:
    """Releases text a sentence at a time, each only once the critic passes everything released so far plus it on
    the critical principles. Placeholders (⟦手机号1⟧) are restored per sentence: they never span one."""

    def __init__(self, check: Callable[[str], set[str]], restore: Callable[[str], str]) -> None:
        self.check = check
        self.restore = restore
        self.pending = ""
        self.shown = ""
        self.blocked = False

    def feed(self, text: str) -> Iterator[str]:
        self.pending += text
        while not self.blocked and (m := _SENTENCE_END.search(self.pending)) is not None:
            sentence, self.pending = self.pending[:m.end()], self.pending[m.end():]
            yield from self._release(sentence)

    def finish(self) -> Iterator[str]:
        if not self.blocked and self.pending.strip():
            sentence, self.pending = self.pending, ""
            yield from self._release(sentence)

    def _release(self, sentence: str) -> Iterator[str]:
        text = self.restore(sentence)
        if CRITICAL & self.check(self.shown + text):
            self.blocked = True
            return
        self.shown += text
        yield text


class _Failed:
    """The LLM strategy when the stream already failed: the Drafter shows its notice and uses the templates."""

    name: Mode = "llm"

    def __init__(self, exc: LLMError) -> None:
        self.exc = exc

    def candidates(self, grounding: Grounding) -> Iterator[Candidate]:
        raise self.exc


def _critical(critic: Critic, case: Case) -> Callable[[str], set[str]]:
    return lambda text: set(critic.critique(case.model_copy(update={"draft": text})).violations)


def stream_llm_draft(services: Services, drafter: Drafter, req: DraftRequest) -> Iterator[DraftChunk | DraftFinal]:
    """Verified preview chunks, then the final DraftResult (see the module docstring)."""
    llm = services.llm
    assert llm is not None
    grounding = drafter.ground(req)
    strategy = LLMDraftStrategy(services)
    redacted = RedactedRequest()
    inputs = draft_inputs(redacted, grounding.case, strategy.passages(grounding))
    gate = SentenceGate(_critical(drafter.critic, grounding.case), redacted.restore)
    field, raw = FieldText("draft"), ""
    final: LLMDraftStrategy | _Failed
    try:
        for piece in llm.stream("draft", inputs):
            raw += piece
            for text in gate.feed(field.feed(piece)):
                yield DraftChunk(text=text)
        first = _parse(raw)
        for text in gate.finish():
            yield DraftChunk(text=text)
        final = LLMDraftStrategy(services, first=first, req=redacted)
    except LLMError as exc:
        final = _Failed(exc)
    except Exception as exc:  # a bug on the preview path must not take drafting down: the templates answer
        final = _Failed(LLMError(type(exc).__name__, notice="大模型拟稿出错，以下为模板草稿。"))
    result = drafter.draft(req, llm=final)
    yield DraftFinal(result=result, replaces_preview=bool(gate.shown) and gate.shown != result.draft)


def _parse(raw: str) -> DraftOutput:
    try:
        return DraftOutput.model_validate(_json_object(raw))
    except ValueError as exc:  # pydantic's ValidationError and json's JSONDecodeError are ValueErrors
        raise LLMOutputError(f"streamed draft did not validate: {type(exc).__name__}") from None
