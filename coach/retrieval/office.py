"""Trainer decks and handbooks: .docx (headings become sections), .pptx (one section per slide), .pdf (per page).

These parsers raise library-specific errors on corrupt or encrypted files; each is translated into a LoadError with
a reason a trainer can act on. An encrypted Office file is an OLE container, not a zip, so it is recognised first.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from coach.retrieval.documents import Document, LoadError, Section
from coach.retrieval.loaders import LoadResult

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_office_container(data: bytes, kind: str) -> None:
    if not data:
        raise LoadError("empty file")
    if data.startswith(_OLE_MAGIC):
        raise LoadError(f"password-protected (encrypted) or legacy binary {kind}: save an unprotected .{kind} copy")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LoadError(f"not a valid .{kind} file (corrupt or another format renamed)")


def _document(path: Path, title: str | None) -> Document:
    return Document(doc_id=f"doc:{path.stem}", type="document", title=(title or "").strip() or path.stem,
                    path=str(path))


def load_docx(path: Path, data: bytes) -> LoadResult:
    _check_office_container(data, "docx")
    import docx
    from docx.table import Table

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for damaged packages
        raise LoadError(f"corrupt .docx: {type(exc).__name__}: {exc}") from None
    sections = [Section(key="0", label="", text="", kind="free")]
    first_heading: str | None = None
    for block in d.iter_inner_content():
        if isinstance(block, Table):
            sections[-1].text += _table_text([[c.text for c in row.cells] for row in block.rows])
            continue
        style = (block.style.name if block.style is not None else "") or ""
        text = block.text.strip()
        if text and (style.startswith(("Heading", "标题")) or style == "Title"):
            first_heading = first_heading or text
            sections.append(Section(key=str(len(sections)), label=text, text="", kind="free"))
        elif text:
            sections[-1].text += text + "\n"
    doc = _document(path, d.core_properties.title or first_heading)
    doc.sections = [s for s in sections if s.text.strip()]
    if not doc.sections:
        raise LoadError("the .docx contains no text")
    return LoadResult([doc])


def load_pptx(path: Path, data: bytes) -> LoadResult:
    _check_office_container(data, "pptx")
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
    except Exception as exc:
        raise LoadError(f"corrupt .pptx: {type(exc).__name__}: {exc}") from None
    doc = _document(path, deck.core_properties.title)
    first_title: str | None = None
    for n, slide in enumerate(deck.slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text.strip() if title_shape is not None and title_shape.has_text_frame else ""
        first_title = first_title or title or None
        lines = [t for shape in slide.shapes if shape is not title_shape for t in _shape_text(shape)]
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
            if notes:
                lines.append(f"讲师备注：{notes}")  # trainers' notes carry the explanations
        text = "\n".join(line for line in lines if line.strip())
        if text or title:
            label = f"第{n}页幻灯片" + (f"：{title}" if title else "")
            doc.sections.append(Section(key=f"s{n}", label=label, text=text or title, kind="free"))
    if not doc.sections:
        raise LoadError("the .pptx contains no text")
    if doc.title == path.stem and first_title:
        doc.title = first_title
    return LoadResult([doc])


def _shape_text(shape: Any) -> list[str]:
    if getattr(shape, "has_text_frame", False):
        return [p.strip() for p in shape.text_frame.text.split("\n") if p.strip()]
    if getattr(shape, "has_table", False):
        return [_table_text([[c.text for c in row.cells] for row in shape.table.rows]).strip()]
    if hasattr(shape, "shapes"):  # group shape
        return [t for s in shape.shapes for t in _shape_text(s)]
    return []


def _table_text(rows: list[list[str]]) -> str:
    return "".join(" | ".join(c.strip() for c in row) + "\n" for row in rows if any(c.strip() for c in row))


def load_pdf(path: Path, data: bytes) -> LoadResult:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError("not a PDF (no %PDF header): corrupt or another format renamed")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (password-protected): export an unprotected copy")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # pypdf needs optional crypto packages for some ciphers
        raise LoadError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    doc = _document(path, meta_title)
    doc.sections = [Section(key=f"p{n}", label=f"第{n}页", text=text, kind="free")
                    for n, text in enumerate(pages, start=1) if text]
    if not doc.sections:
        raise LoadError("the PDF has no extractable text (scanned images? OCR is not supported)")
    return LoadResult([doc])
