"""The LLM customer for the roleplay trainer (coach/roleplay): the persona prompt, grounded in the KB and order facts,
driven by the trainer's mood meter.

    from coach.llm import LLMError, llm_customer_reply
    try:
        line = llm_customer_reply(services.llm, persona=..., goal=..., mood="生气（耐心 2/5）",
                                  mood_instruction="客服刚才推卸责任，你更生气了，要求给个说法",
                                  known_facts=[...], hidden_facts=[...], history=turns, trainee=text,
                                  passages=kb_passages)
    except LLMError as exc:
        line = scripted_reply(...); notices.append(exc.notice)

Everything is redacted before it leaves and restored in the answer. The reply is plain text, at most
`MAX_REPLY_CHARS`; a reply that repeats the system prompt raises LLMLeakError (never shown).
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.llm.client import LLM, Deadline
from coach.llm.inputs import RedactedRequest
from coach.models import Passage, Turn

MAX_REPLY_CHARS = 300


def llm_customer_reply(llm: LLM, *, persona: str, goal: str, mood: str, history: Sequence[Turn], trainee: str,
                       mood_instruction: str = "", known_facts: Sequence[str] = (), hidden_facts: Sequence[str] = (),
                       passages: Sequence[Passage] = (), deadline: Deadline | None = None) -> str:
    req = RedactedRequest()
    inputs = {"persona": req.text(persona), "goal": req.text(goal), "mood": req.text(mood),
              "mood_instruction": req.text(mood_instruction),
              "known_facts": [req.text(f) for f in known_facts], "hidden_facts": [req.text(f) for f in hidden_facts],
              "passages": req.passages(passages), "history": req.turns(history), "trainee": req.text(trainee)}
    text = llm.text("customer", inputs, deadline)
    return req.restore(text.strip().strip("\"“”「」"))[:MAX_REPLY_CHARS]
