"""The reply-template library: YAML files in knowledge/templates/, rendered with a sandboxed Jinja2.

Trainers edit these files without Python, so every mistake is caught when the library loads, with the file, line and
template id in the message: YAML syntax, Jinja syntax, a variable the template uses but does not declare, a declared
variable the drafter cannot provide, an unknown attribute of an object variable (`product.prise`), a bad regular
expression in `said(...)`. A library that loads is one whose templates can all be rendered.

File layout (front matter as in knowledge/README.md, `type: template`):

    scene: logistics_delay              # the scene of every template in the file (common.yaml has none)
    templates:
      - id: logistics_delay.ask_order   # unique in the library
        when: "not order_id"            # optional Jinja expression: the branch condition
        variables: [opening, ack, closing, feedback_hours]   # must be available (not None) to use the template
        optional: [customer_name]       # may be None
        text: "{{ opening }}{{ ack }}麻烦您发一下订单号……"

Rendering never evaluates customer text: values are data, `said(regex)` only matches trainer-written patterns
against the customer's words, and the environment is sandboxed and immutable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from coach.errors import InputError

GLOBALS = frozenset({"said", "range", "loop", "namespace"})
MAX_FILE_BYTES = 1_000_000


class TemplateError(InputError):
    """A template file that cannot be used; the message names the file, line and template id."""


@dataclass(frozen=True)
class Template:
    id: str
    scene: str
    text: str
    variables: tuple[str, ...]
    optional: tuple[str, ...] = ()
    when: str | None = None
    title: str = ""
    source: str = ""  # file:line, for messages
    cites: tuple[str, ...] = ()  # facts the text paraphrases without quoting a value (their clauses are cited)

    @property
    def declared(self) -> frozenset[str]:
        return frozenset(self.variables) | frozenset(self.optional)


@dataclass
class Library:
    """All templates by scene, the shared snippets (scene "common") and the fact specs."""

    templates: list[Template]
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)  # product spec key -> question regex
    scene_hints: list[dict[str, Any]] = field(default_factory=list)  # {scene, from: [...], said: regex}
    env: Any = None
    _compiled: dict[str, Any] = field(default_factory=dict)
    _conditions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    _uses: dict[str, frozenset[str]] = field(default_factory=dict)

    def for_scene(self, scene: str) -> list[Template]:
        return [t for t in self.templates if t.scene == scene]

    def get(self, template_id: str) -> Template:
        for t in self.templates:
            if t.id == template_id:
                return t
        raise KeyError(template_id)

    @cached_property
    def scenes(self) -> set[str]:
        return {t.scene for t in self.templates} - {"common"}

    def uses(self, t: Template) -> frozenset[str]:
        """The variables the template's text refers to (for citations: a fact it never shows is not cited)."""
        return self._uses[t.id]

    def condition(self, t: Template, values: Mapping[str, Any], said: Callable[[str], bool]) -> bool:
        if not t.when:
            return True
        fn = self._conditions[t.id]
        return bool(fn(**{**values, "said": said}))

    def render(self, t: Template, values: Mapping[str, Any], said: Callable[[str], bool]) -> str:
        raw = self._compiled[t.id].render(**{**values, "said": said})
        return tidy(raw)


_CJK = "\u3000-\u303f\uff00-\uffef\u4e00-\u9fff"
_CJK_GAP = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")


def tidy(text: str) -> str:
    """Template text is written over several YAML lines (folding leaves spaces where the lines met); a Chinese
    chat reply is one paragraph with no space next to a Chinese character or punctuation mark."""
    out = re.sub(r"[ \t]*\n[ \t]*", "", text).strip()
    out = _CJK_GAP.sub("", out)
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r"([，。！？、；：~～])\1+", r"\1", out)  # an empty snippet between two commas
    out = re.sub(r"，([。！？~～])", r"\1", out)
    return re.sub(r"^[，。、；]+", "", out)


def make_env() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                                        lstrip_blocks=True, keep_trailing_newline=False)
    return env


# ---------------------------------------------------------------------------------------------------- loading


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (as the key `__line__`)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_library(folder: Path, vocabulary: Mapping[str, frozenset[str] | None]) -> Library:
    """Load and validate every *.yaml under `folder`. `vocabulary` maps each variable the drafter can provide to the
    attribute names of its value (None = a plain value or a list). Fact names from the files join the vocabulary."""
    files = sorted(p for p in folder.glob("*.y*ml") if p.is_file())
    if not files:
        raise TemplateError(f"{folder}: no template files (*.yaml)")
    docs = [(f, _read(f)) for f in files]
    facts: dict[str, dict[str, Any]] = {}
    attributes: dict[str, str] = {}
    scene_hints: list[dict[str, Any]] = []
    for f, doc in docs:
        for name, spec in (doc.get("facts") or {}).items():
            if name == "__line__":
                continue
            facts[str(name)] = _fact_spec(f, str(name), spec)
        for key, pattern in (doc.get("attributes") or {}).items():
            if key != "__line__":
                attributes[str(key)] = _regex(f"{_rel(f)}:{doc.get('__line__', 1)}", f"attributes.{key}", str(pattern))
        for hint in doc.get("scene_hints") or []:
            scene_hints.append(_hint(f, hint))
    vocab = {**vocabulary, **{n: None for n in facts}}
    env = make_env()
    lib = Library(templates=[], facts=facts, attributes=attributes, scene_hints=scene_hints, env=env)
    seen: dict[str, str] = {}
    for f, doc in docs:
        scene = str(doc.get("scene") or ("common" if f.stem == "common" else f.stem))
        entries = doc.get("templates") or []
        if not isinstance(entries, list):
            raise TemplateError(f"{_rel(f)}: `templates:` must be a list of templates")
        for entry in entries:
            t = _template(f, scene, entry)
            if set(t.cites) - set(facts):
                raise TemplateError(f"{t.source}: template '{t.id}' cites unknown fact(s) "
                                    f"{', '.join(sorted(set(t.cites) - set(facts)))}; facts are defined under `facts:`")
            if t.id in seen:
                raise TemplateError(f"{t.source}: template id '{t.id}' is used twice (also at {seen[t.id]})")
            seen[t.id] = t.source
            lib._compiled[t.id], lib._uses[t.id] = _compile(env, t, vocab)
            if t.when:
                lib._conditions[t.id] = _compile_condition(env, t, vocab)
            lib.templates.append(t)
    return lib


def _read(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{_rel(path)}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise TemplateError(f"{_rel(path)}: file is larger than {MAX_FILE_BYTES} bytes")
    if b"\x00" in data:
        raise TemplateError(f"{_rel(path)}: binary file, not YAML")
    try:
        doc = yaml.load(data.decode("utf-8-sig"), Loader=_LineLoader)  # a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{_rel(path)}: not UTF-8 text ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise TemplateError(f"{_rel(path)}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(doc, dict):
        raise TemplateError(f"{_rel(path)}: the top level must be a mapping (front matter + templates:)")
    if str(doc.get("type", "template")).lower() not in ("template", "templates"):
        raise TemplateError(f"{_rel(path)}: `type:` must be template (found {doc.get('type')!r})")
    return doc


def _template(path: Path, scene: str, entry: Any) -> Template:
    if not isinstance(entry, dict):
        raise TemplateError(f"{_rel(path)}: every entry of `templates:` must be a mapping with id, variables, text")
    line = entry.get("__line__", 0)
    tid = str(entry.get("id") or "").strip()
    where = f"{_rel(path)}:{line}"
    if not tid:
        raise TemplateError(f"{where}: template without an `id`")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TemplateError(f"{where}: template '{tid}' has no `text`")
    names = []
    for key in ("variables", "optional", "cites"):
        value = entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TemplateError(f"{where}: template '{tid}': `{key}:` must be a list of variable names")
        names.append(tuple(value))
    when = entry.get("when")
    if when is not None and not isinstance(when, str):
        raise TemplateError(f"{where}: template '{tid}': `when:` must be a Jinja expression (a string)")
    return Template(id=tid, scene=str(entry.get("scene") or scene), text=text, variables=names[0],
                    optional=names[1], when=when, title=str(entry.get("title") or ""), source=where, cites=names[2])


def _compile(env: ImmutableSandboxedEnvironment, t: Template,
             vocab: Mapping[str, frozenset[str] | None]) -> tuple[Any, frozenset[str]]:
    unknown = sorted(t.declared - set(vocab))
    if unknown:
        raise TemplateError(f"{t.source}: template '{t.id}' declares unknown variable(s) {', '.join(unknown)}; "
                            f"known variables: {', '.join(sorted(vocab))}")
    ast = _parse(env, t, t.text, "text")
    used = meta.find_undeclared_variables(ast) - GLOBALS
    undeclared = sorted(used - t.declared)
    if undeclared:
        raise TemplateError(f"{t.source}: template '{t.id}' uses undeclared variable(s) {', '.join(undeclared)}; "
                            "add them to `variables:` (or `optional:`) or fix the name")
    _check_attributes(t, ast, vocab)
    _check_said(t, ast)
    return env.from_string(ast), frozenset(used)


def _compile_condition(env: ImmutableSandboxedEnvironment, t: Template,
                       vocab: Mapping[str, frozenset[str] | None]) -> Callable[..., Any]:
    assert t.when is not None
    ast = _parse(env, t, "{% if " + t.when + " %}{% endif %}", "when")
    unknown = sorted(meta.find_undeclared_variables(ast) - GLOBALS - set(vocab))
    if unknown:
        raise TemplateError(f"{t.source}: template '{t.id}': `when:` uses unknown variable(s) {', '.join(unknown)}")
    _check_attributes(t, ast, vocab)
    _check_said(t, ast)
    return env.compile_expression(t.when, undefined_to_none=False)  # type: ignore[no-any-return]


def _parse(env: ImmutableSandboxedEnvironment, t: Template, source: str, part: str) -> nodes.Template:
    try:
        return env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{t.source}: template '{t.id}' has a Jinja syntax error in `{part}` "
                            f"(line {exc.lineno} of it): {exc.message}") from None


def _check_attributes(t: Template, ast: nodes.Template, vocab: Mapping[str, frozenset[str] | None]) -> None:
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name):
            attrs = vocab.get(node.node.name)
            if attrs is not None and node.attr not in attrs:
                raise TemplateError(f"{t.source}: template '{t.id}': `{node.node.name}` has no attribute "
                                    f"'{node.attr}'; it has: {', '.join(sorted(attrs))}")


def _check_said(t: Template, ast: nodes.Template) -> None:
    for call in ast.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "said":
            if len(call.args) != 1 or not isinstance(call.args[0], nodes.Const) or not isinstance(
                    call.args[0].value, str):
                raise TemplateError(f"{t.source}: template '{t.id}': said(...) takes one quoted regular expression")
            _regex(t.source, f"template '{t.id}' said(...)", call.args[0].value)


def _regex(where: str, what: str, pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise TemplateError(f"{where}: {what}: bad regular expression: {exc}") from None
    return pattern


def _fact_spec(path: Path, name: str, spec: Any) -> dict[str, Any]:
    where = f"{_rel(path)}:{spec.get('__line__', 0) if isinstance(spec, dict) else 0}"
    if not isinstance(spec, dict) or not isinstance(spec.get("query"), str) or not isinstance(spec.get("pattern"), str):
        raise TemplateError(f"{where}: fact '{name}' needs `query:` and `pattern:` strings")
    _regex(where, f"fact '{name}' pattern", spec["pattern"])
    types = spec.get("types", ["policy"])
    if not isinstance(types, list):
        raise TemplateError(f"{where}: fact '{name}': `types:` must be a list")
    return {"query": spec["query"], "pattern": spec["pattern"], "types": [str(x) for x in types],
            "label": str(spec.get("label") or name)}


def _hint(path: Path, hint: Any) -> dict[str, Any]:
    where = f"{_rel(path)}:{hint.get('__line__', 0) if isinstance(hint, dict) else 0}"
    if not isinstance(hint, dict) or not isinstance(hint.get("scene"), str) or not isinstance(hint.get("said"), str) \
            or not isinstance(hint.get("from"), list):
        raise TemplateError(f"{where}: a scene hint needs `scene:`, `from:` (a list of scenes) and `said:` (a regex)")
    return {"scene": hint["scene"], "from": [str(x) for x in hint["from"]],
            "said": _regex(where, "scene hint `said`", hint["said"])}


def _rel(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[-3:]) if len(parts) >= 3 else str(path)
