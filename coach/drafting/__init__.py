"""Reply drafting (智能拟稿): detect the scene and emotion, retrieve the facts, choose a template branch, fill it,
and let the critic verify it before anyone sees it (issue 6).

    from coach.drafting import DraftRequest
    result = services.draft(DraftRequest(customer="快递五天了还没到！"))   # or Drafter(...).draft(req)
    result.draft, result.citations, result.critique, result.mode

Templates are data: knowledge/templates/*.yaml (see the README there). The LLM-mode strategy plugs into
`Drafter(llm=...)` through the `DraftStrategy` protocol and is verified by the same critic.
"""

from coach.drafting.drafter import CRITICAL, Drafter, DraftingError
from coach.drafting.models import Candidate, DraftRequest, DraftResult, FactUse
from coach.drafting.strategies import DraftStrategy, RulesStrategy
from coach.drafting.templates import Library, Template, TemplateError, load_library
from coach.drafting.variables import VOCABULARY

__all__ = [
    "CRITICAL",
    "VOCABULARY",
    "Candidate",
    "DraftRequest",
    "DraftResult",
    "DraftStrategy",
    "Drafter",
    "DraftingError",
    "FactUse",
    "Library",
    "RulesStrategy",
    "Template",
    "TemplateError",
    "load_library",
]
