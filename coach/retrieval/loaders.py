"""Turn one file into documents, or say in one sentence why it can't be.

Dispatch is by extension; each format lives in a small module (Markdown here, tables in `tables`, Office and PDF
in `office`). Every problem a trainer's file can have — empty, binary renamed to .md, broken YAML, too large,
encrypted — becomes a `LoadError` with a reason the importer reports per file; nothing here may crash an import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from coach.retrieval.documents import Document, LoadError, Section

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
KNOWN_TYPES = {"policy", "promotion", "product", "template", "document"}
_TYPE_SYNONYMS = {"promo": "promotion", "promotions": "promotion", "policies": "policy", "products": "product",
                  "templates": "template", "doc": "document"}


@dataclass
class LoadResult:
    documents: list[Document]
    warnings: list[str] = field(default_factory=list)


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """Read a file, refusing oversized ones *before* reading them (a 50 MB PDF is never parsed)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"file too large: {size / 1_048_576:.1f} MB > limit {max_bytes / 1_048_576:.1f} MB "
                        "(split it, or raise the limit with --max-file-mb)")
    if size == 0:
        raise LoadError("empty file")
    return path.read_bytes()


def decode_text(data: bytes) -> str:
    """Bytes of a text format → str. Chinese Excel/Notepad exports are often GB18030, so that is tried second."""
    if not data.strip():
        raise LoadError("empty file")
    if b"\x00" in data[:65536]:
        raise LoadError("binary content (NUL bytes) in a text format: is this a binary file renamed?")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_textual(text):
            return text.replace("\r\n", "\n").replace("\r", "\n")
    raise LoadError("not readable as UTF-8 or GB18030 text (binary content renamed?)")


def _looks_textual(text: str) -> bool:
    # A binary that happens to decode still shows many control characters.
    controls = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls <= max(2, len(text[:20000]) // 200)


# ---------------------------------------------------------------- front matter and common metadata

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta = parse_yaml(m.group(1), what="front matter")
    if not isinstance(meta, dict):
        raise LoadError("front matter is not a YAML mapping (expected `key: value` lines between `---`)")
    return meta, text[m.end():]


def parse_yaml(text: str, what: str = "YAML") -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LoadError(f"broken {what}{where}: {problem}") from None


def iso_date(value: Any, key: str) -> str | None:
    """Front-matter dates may come as YAML dates, strings or null; store ISO strings (comparable as text)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none", "~")):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise LoadError(f"{key} is not an ISO date (YYYY-MM-DD): {value!r}") from None


def normalise_type(value: Any, default: str) -> str:
    t = str(value or default).strip().lower()
    t = _TYPE_SYNONYMS.get(t, t)
    return t if t in KNOWN_TYPES else "document"


def base_document(meta: dict[str, Any], path: Path, *, default_id: str, default_type: str,
                  default_title: str) -> Document:
    """A Document carrying the common front matter (id, type, title, version, dates, source)."""
    return Document(
        doc_id=str(meta.get("id") or default_id).strip(),
        type=normalise_type(meta.get("type"), default_type),
        title=str(meta.get("title") or default_title).strip(),
        path=str(path),
        source=str(meta.get("source") or ""),
        version=str(meta.get("version") or ""),
        effective_from=iso_date(meta.get("effective_from"), "effective_from"),
        effective_to=iso_date(meta.get("effective_to"), "effective_to"),
    )


# ---------------------------------------------------------------- Markdown

# "## 3. 七天无理由退货的例外" (also 3、 / 3．/ 第3条): a clause, the unit a citation points at.
_CLAUSE = re.compile(r"^##[ \t]+(?:第[ \t]*(\d+)[ \t]*条|(\d+)[ \t]*[.．、)）])[ \t]*(.*?)[ \t]*#*[ \t]*$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_PROMO_WORDS = re.compile(r"活动|优惠|促销|满减|折扣|优惠券|大促|秒杀|立减|券")
_DATE = r"(?:(\d{4})[年\-/.])?(\d{1,2})[月\-/.](\d{1,2})[日号]?"
_DATE_RANGE = re.compile(r"(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})[日号]?(?:[ \t]*\d{1,2}[:：]\d{2}(?::\d{2})?)?"
                         r"[ \t]*(?:至|到|~|～|-|—|–)[ \t]*" + _DATE)


def load_markdown(path: Path, data: bytes) -> LoadResult:
    meta, body = split_front_matter(decode_text(data))
    if not body.strip():
        raise LoadError("no text after the front matter")
    heading = next((m.group(2) for line in body.splitlines() if (m := _HEADING.match(line)) and m.group(1) == "#"),
                   None)
    guessed = guess_type(body) if "type" not in meta else "policy"
    doc = base_document(meta, path, default_id=f"doc:{path.stem}", default_type=guessed,
                        default_title=heading or path.stem)
    if doc.type == "promotion" and "effective_from" not in meta and "effective_to" not in meta:
        doc.effective_from, doc.effective_to = guess_validity(body)
    doc.sections = clause_sections(body) or heading_sections(body)
    if not any(s.text.strip() for s in doc.sections):
        raise LoadError("no text to index (only headings?)")
    return LoadResult([doc])


def guess_type(text: str) -> str:
    """Without front matter: a text about 活动/优惠 that names dates is a promotion, anything else a policy."""
    if _PROMO_WORDS.search(text) and re.search(_DATE, text):
        return "promotion"
    return "policy"


def guess_validity(text: str) -> tuple[str | None, str | None]:
    """'活动时间：2026年11月1日至11月11日' → ('2026-11-01', '2026-11-11'), so an expired promotion stays filterable."""
    m = _DATE_RANGE.search(text)
    if not m:
        return None, None
    try:
        start = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        end = date(int(m.group(4) or m.group(1)), int(m.group(5)), int(m.group(6)))
    except ValueError:
        return None, None
    return start.isoformat(), end.isoformat()


def clause_sections(body: str) -> list[Section]:
    """One section per numbered clause; text before the first clause (minus the # title) becomes clause 0."""
    sections: list[Section] = []
    current: Section | None = None
    preamble: list[str] = []
    for line in body.splitlines():
        m = _CLAUSE.match(line)
        if m:
            number = str(int(m.group(1) or m.group(2)))
            current = Section(key=number, label=f"{number}. {m.group(3)}".strip(), text="")
            sections.append(current)
        elif current is not None:
            current.text += line + "\n"
        elif not (_HEADING.match(line) and line.startswith("# ")):
            preamble.append(line)
    if not sections:
        return []
    intro = "\n".join(preamble).strip()
    head = [Section(key="0", label="概述", text=intro)] if intro else []
    out = head + [s for s in sections if s.text.strip() or s.label]
    for s in out:
        s.text = s.text.strip() or s.label
    return out


def heading_sections(body: str) -> list[Section]:
    """Prose without numbered clauses: sections by headings, split later at sentence ends."""
    sections = [Section(key="0", label="", text="", kind="free")]
    for line in body.splitlines():
        m = _HEADING.match(line)
        if m and m.group(1) != "#":
            sections.append(Section(key=str(len(sections)), label=m.group(2), text="", kind="free"))
        elif not (m and m.group(1) == "#"):
            sections[-1].text += line + "\n"
    return [s for s in sections if s.text.strip()]


# ---------------------------------------------------------------- dispatch

Loader = Callable[[Path, bytes], LoadResult]


def _loaders() -> dict[str, Loader]:
    from coach.retrieval import office, tables  # formats with heavier imports load on demand

    return {".md": load_markdown, ".markdown": load_markdown, ".txt": load_markdown,
            ".yaml": tables.load_yaml, ".yml": tables.load_yaml, ".csv": tables.load_csv,
            ".docx": office.load_docx, ".pptx": office.load_pptx, ".pdf": office.load_pdf}


SUPPORTED_EXTENSIONS = (".md", ".markdown", ".txt", ".yaml", ".yml", ".csv", ".docx", ".pptx", ".pdf")
_HINTS = {".doc": "save it as .docx", ".ppt": "save it as .pptx", ".xls": "save it as .csv",
          ".xlsx": "save the sheet as .csv (UTF-8)", ".wps": "save it as .docx"}


def load_bytes(path: Path, data: bytes) -> LoadResult:
    """Parse already-read bytes (the indexer hashes the same bytes it parses)."""
    loader = _loaders().get(path.suffix.lower())
    if loader is None:
        hint = _HINTS.get(path.suffix.lower(), "supported: " + ", ".join(SUPPORTED_EXTENSIONS))
        raise LoadError(f"unsupported file type '{path.suffix or '(none)'}' ({hint})")
    result = loader(path, data)
    if not result.documents:
        raise LoadError("no documents found in the file")
    return result


def load_path(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        return load_bytes(path, b"")  # raises the unsupported-type error without reading the file
    return load_bytes(path, read_file(path, max_bytes))
