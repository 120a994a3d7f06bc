"""Versioned prompt files (prompts/llm/*.prompt): a YAML header and a Jinja2 body, validated when loaded.

    ---
    id: critique
    version: 3
    output: CritiqueOutput          # a model of coach.llm.schemas, or `text`
    inputs: {customer: text, draft: text, context: turns, passages: passages}
    untrusted: [customer, draft, context, passages]
    ---
    === system ===
    …{% for p in principles %}…{% endfor %}…
    === user ===
    <draft_reply>{{ draft }}</draft_reply>

Why it is built this way:
- The body is the only template source. Values (customer messages, drafts, KB passages) are context variables, so a
  `{{ … }}` typed by a customer is just text; the sandboxed environment and StrictUndefined make a typo or a missing
  input fail loudly instead of sending an empty slot to the model.
- Every rendered value has `&`, `<` and `>` escaped (the environment's finalize), so no content can close its
  `<draft_reply>` delimiter early or open a fake `<system>` block. Untrusted inputs must sit between tags in the body:
  checked at load time by rendering sentinels.
- The message split (=== system === / === user ===) is done on the source before rendering, so content cannot
  create messages either.
- Globals supplied by the library, not the caller: `principles` and `judging_rules` (from prompts/rubric.yaml, the
  single source of truth), `output_schema` (the JSON schema of the output model) and `canary` (a secret marker the
  leak guard looks for in answers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from coach.critic.rubric import Rubric
from coach.errors import InputError
from coach.llm import schemas

INPUT_TYPES = ("text", "turns", "passages", "lines", "number")
GLOBALS = ("principles", "judging_rules", "output_schema", "canary")
ROLES = ("system", "user", "assistant")
_MARKER = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.M)
_SENTINEL = "SENTINEL\u2063{name}\u2063"  # invisible separator: never in real prompt text


def escape_value(value: Any) -> Any:
    """What every {{ value }} becomes: delimiters and entities neutralised (undone for evidence matching)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return value


def unescape_value(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


_ENV = SandboxedEnvironment(undefined=StrictUndefined, finalize=escape_value, autoescape=False,
                            keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Prompt:
    id: str
    version: str
    output: str                       # "text" or a schema name
    inputs: dict[str, str]            # name -> type
    untrusted: frozenset[str]
    parts: tuple[tuple[str, str], ...]  # (role, template source)
    path: Path
    compiled: tuple[tuple[str, Template], ...] = ()  # compiled once at load

    def __post_init__(self) -> None:
        if not self.compiled:
            object.__setattr__(self, "compiled", tuple((role, _ENV.from_string(src)) for role, src in self.parts))

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def output_model(self) -> type[BaseModel] | None:
        return None if self.output == "text" else schemas.OUTPUTS[self.output]

    def render(self, inputs: dict[str, Any], globals_: dict[str, Any]) -> list[tuple[str, str]]:
        missing = [k for k in self.inputs if k not in inputs]
        extra = [k for k in inputs if k not in self.inputs]
        if missing or extra:
            raise InputError(f"prompt {self.ref}: missing inputs {missing}, unexpected inputs {extra}")
        context = {**globals_, **inputs}
        return [(role, template.render(context).strip()) for role, template in self.compiled]


def _fail(path: Path, line: int, msg: str) -> InputError:
    return InputError(f"{path}:{line}: {msg}")


def _split(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    if not text.startswith("---\n"):
        raise _fail(path, 1, "a prompt file starts with a `---` YAML header")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise _fail(path, 1, "the YAML header is not closed by a `---` line")
    try:
        header = yaml.safe_load(text[4:end])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(path, 2 + (mark.line if mark else 0), f"bad YAML header: {exc}") from exc
    if not isinstance(header, dict):
        raise _fail(path, 2, "the header must be a mapping (id, version, output, inputs, untrusted)")
    return header, text[end + 5 :], text[: end + 5].count("\n") + 1


def _parts(path: Path, body: str, first_line: int) -> tuple[tuple[str, str], ...]:
    marks = list(_MARKER.finditer(body))
    if not marks or body[: marks[0].start()].strip():
        raise _fail(path, first_line, "the body must start with an `=== system ===` or `=== user ===` line")
    parts = []
    for i, m in enumerate(marks):
        src = body[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(body)]
        parts.append((m.group(1), src))
    return tuple(parts)


def _sentinel_value(name: str, kind: str) -> Any:
    s = _SENTINEL.format(name=name)
    return {"text": s, "number": 1, "lines": [s], "turns": [{"role": "customer", "text": s}],
            "passages": [{"id": "policy:x#1", "text": s}]}[kind]


_TAG = re.compile(r"<(/?)([a-z_]+)(?:\s[^<>]*)?>")


def _check_delimited(path: Path, spec: Prompt) -> None:
    """Render with sentinels: each untrusted value must sit directly between an opening <x …> and its </x>."""
    inputs = {k: _sentinel_value(k, t) for k, t in spec.inputs.items()}
    globals_ = {"principles": [], "judging_rules": [], "output_schema": "{}", "canary": "C"}
    for _role, rendered in spec.render(inputs, globals_):
        for name in spec.untrusted:
            for m in re.finditer(re.escape(_SENTINEL.format(name=name)), rendered):
                before = list(_TAG.finditer(rendered, 0, m.start()))
                after = _TAG.search(rendered, m.end())
                ok = (before and not before[-1].group(1) and after is not None and after.group(1)
                      and after.group(2) == before[-1].group(2))
                if not ok:
                    raise InputError(f"{path}: untrusted input `{name}` is rendered outside a <tag>…</tag> delimiter")


def load_prompt(path: Path) -> Prompt:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read prompt {path}: {exc}") from exc
    header, body, first = _split(path, text)
    for key in ("id", "version", "output", "inputs"):
        if key not in header:
            raise _fail(path, 2, f"the header lacks `{key}`")
    inputs = header["inputs"] or {}
    if not isinstance(inputs, dict) or any(t not in INPUT_TYPES for t in inputs.values()):
        raise _fail(path, 2, f"`inputs` maps names to one of {INPUT_TYPES}")
    output = str(header["output"])
    if output != "text" and output not in schemas.OUTPUTS:
        raise _fail(path, 2, f"unknown output model {output!r} (known: text, {', '.join(schemas.OUTPUTS)})")
    untrusted = frozenset(header.get("untrusted") or [])
    if not untrusted <= set(inputs):
        raise _fail(path, 2, f"`untrusted` names inputs that are not declared: {sorted(untrusted - set(inputs))}")
    parts = _parts(path, body, first)
    used: set[str] = set()
    for _role, src in parts:
        try:
            used |= meta.find_undeclared_variables(_ENV.parse(src))
        except TemplateSyntaxError as exc:
            raise _fail(path, first + body[: body.find(src)].count("\n") + (exc.lineno or 1), exc.message or "") from exc
    unknown = used - set(inputs) - set(GLOBALS)
    if unknown:
        raise _fail(path, first, f"the body uses undeclared variables: {sorted(unknown)}")
    unused = set(inputs) - used
    if unused:
        raise _fail(path, 2, f"declared inputs never used in the body: {sorted(unused)}")
    spec = Prompt(str(header["id"]), str(header["version"]), output, {str(k): str(v) for k, v in inputs.items()},
                  untrusted, parts, path)
    if spec.id != path.name.split(".")[0]:
        raise _fail(path, 2, f"id {spec.id!r} must match the file name")
    _check_delimited(path, spec)
    return spec


class PromptLibrary:
    """All prompts of a directory, plus the rubric-derived globals they share."""

    def __init__(self, prompts: dict[str, Prompt], rubric: Rubric, judging_rules: list[str]) -> None:
        self.prompts = prompts
        self.rubric = rubric
        self.judging_rules = judging_rules
        self._principles = self.principles()

    @classmethod
    def load(cls, prompts_dir: Path, rubric: Rubric | None = None) -> PromptLibrary:
        rubric = rubric or Rubric.load(prompts_dir / "rubric.yaml")
        found = sorted((prompts_dir / "llm").glob("*.prompt"))
        if not found:
            raise InputError(f"no prompt files in {prompts_dir / 'llm'}")
        return cls({p.id: p for p in map(load_prompt, found)}, rubric, _judging_rules(prompts_dir / "rubric.yaml"))

    def get(self, prompt_id: str) -> Prompt:
        try:
            return self.prompts[prompt_id]
        except KeyError:
            raise InputError(f"no prompt {prompt_id!r} (have: {', '.join(sorted(self.prompts))})") from None

    def principles(self) -> list[dict[str, Any]]:
        keys = ("id", "name_zh", "severity", "definition", "violated_when", "not_violated_when", "applies_when")
        return [{k: p.get(k, "") for k in keys} for p in self.rubric.principles.values()]

    def globals_for(self, prompt: Prompt, canary: str) -> dict[str, Any]:
        model = prompt.output_model
        return {"principles": self._principles, "judging_rules": self.judging_rules,
                "output_schema": _schema_text(model) if model else "", "canary": canary}


@cache
def _schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), ensure_ascii=False)


def _judging_rules(path: Path) -> list[str]:
    """The rubric's general judging rules (its `judging.rules` list); the Rubric class keeps only principles."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read rubric {path}: {exc}") from exc
    rules = (data.get("judging") or {}).get("rules") or [] if isinstance(data, dict) else []
    return [str(r) for r in rules]
