"""Safe rendering of text we did not write (customer messages, drafts, model output, KB passages) in the Gradio UI.

Gradio renders Markdown in gr.Markdown and gr.Chatbot; a customer message like `![](http://x/track.png)` would make
every agent's browser fetch a remote image, and `<img onerror=…>` would be HTML. So such text is shown escaped:
HTML entities for `<>&"`, backslashes before Markdown punctuation. Our own generated eval report is the only HTML we
show; it goes into a sandboxed iframe whose content-security policy forbids any remote load and every script.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")
_DANGEROUS_BLOCKS = re.compile(r"<(script|iframe|object|embed|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_DANGEROUS_TAGS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|link|meta|base|form|input|img|image|video|"
                             r"audio|source|frame|frameset)\b[^>]*>", re.I)
_EVENT_ATTRS = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_REMOTE_URLS = re.compile(r"""\s+(?:src|href|xlink:href|action|formaction|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""",
                          re.I)
_CSS_URLS = re.compile(r"url\s*\([^)]*\)|@import[^;]*;?", re.I)

# What the report iframe may do: inline styles and data: images, nothing remote, no scripts (sandbox="" as well).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


def md(text: str | None) -> str:
    """Untrusted text as inert Markdown: it displays exactly as typed (line breaks kept)."""
    if not text:
        return ""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=True))
    return escaped.replace("\n", "  \n")


def md_inline(text: str | None, limit: int = 0) -> str:
    """Like `md`, on one line (table cells, list items), optionally shortened to `limit` characters."""
    flat = " ".join(str(text or "").split())
    if limit and len(flat) > limit:
        flat = flat[:limit] + "…"
    return md(flat)


def strip_active_content(doc: str) -> str:
    """Our report HTML without anything that runs or fetches: scripts, frames, embeds, remote links, event handlers,
    CSS url()s. What remains is tables, text, inline SVG charts and inline CSS."""
    doc = _DANGEROUS_BLOCKS.sub("", doc)
    doc = _DANGEROUS_TAGS.sub("", doc)
    doc = _EVENT_ATTRS.sub("", doc)
    doc = _REMOTE_URLS.sub("", doc)
    return _CSS_URLS.sub("", doc)


def sandboxed_report(doc: str, height: int = 720) -> str:
    """A generated HTML report embedded as a sandboxed iframe (no scripts, no same-origin, CSP: nothing remote)."""
    body = strip_active_content(doc)
    csp = f'<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}">'
    body = re.sub(r"<head([^>]*)>", lambda m: f"<head{m.group(1)}>{csp}", body, count=1, flags=re.I)
    if csp not in body:
        body = csp + body
    return (f'<iframe title="评测报告" sandbox="" referrerpolicy="no-referrer" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #e2e8f0;border-radius:6px" '
            f'srcdoc="{html.escape(body, quote=True)}"></iframe>')
