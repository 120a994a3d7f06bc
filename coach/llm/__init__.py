"""LLM mode: any OpenAI-compatible chat endpoint (or a local GGUF), versioned prompts, grounded structured output.

Entry points (all raise a typed `LLMError` whose `.notice` is the sentence to show next to the rules-mode answer):
- `Services.llm` (an `LLM`, or None in rules mode) and `Services.critique` (merges an LLM critique when configured);
- drafting: `adapters.LLMDraftStrategy` behind the Drafter's critic check (switched on by coach/drafting/service.py);
  roleplay: `adapters.LLMCustomer`, customer mode "llm" (COACH_ROLEPLAY_CUSTOMER=auto|scripted|llm);
- `llm_judge(llm, case, passages)` for the eval harness (coach/evaluation/tasks/judge.py, Cohen's κ);
- streaming to the UI: `Services.stream_draft` / `Services.stream_critique` (stream.py); `LLM.stream` underneath;
- `LLM.usage` (ring buffer of per-call tokens/latency/model/prompt id@version; `usage_scope` per case) for the UI
  and eval reports, priced by prompts/llm/prices.yaml.
"""

from coach.llm.client import LLM, Deadline, LLMOptions
from coach.llm.critic import LLMCritic
from coach.llm.draft import LLMDraft, llm_draft
from coach.llm.errors import (
    LLMError,
    LLMLeakError,
    LLMNotConfigured,
    LLMOutputError,
    LLMRejected,
    LLMTimeout,
    LLMTransportError,
    LLMUnavailable,
)
from coach.llm.inputs import RedactedRequest, retrieve
from coach.llm.judge import Judged, llm_judge
from coach.llm.provider import describe
from coach.llm.roleplay import llm_customer_reply

__all__ = [
    "LLM",
    "Deadline",
    "Judged",
    "LLMCritic",
    "LLMDraft",
    "LLMError",
    "LLMLeakError",
    "LLMNotConfigured",
    "LLMOptions",
    "LLMOutputError",
    "LLMRejected",
    "LLMTimeout",
    "LLMTransportError",
    "LLMUnavailable",
    "RedactedRequest",
    "describe",
    "llm_customer_reply",
    "llm_draft",
    "llm_judge",
    "retrieve",
]
