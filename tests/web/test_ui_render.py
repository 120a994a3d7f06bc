"""Untrusted text is shown as typed, never as HTML, Markdown images or links; our report HTML runs nothing."""

from __future__ import annotations

import re

from coach.web.render import md, md_inline, sandboxed_report, strip_active_content


def test_markdown_image_and_html_in_customer_text_stay_inert() -> None:
    out = md('看图 ![x](http://evil.example/t.png) <img src=x onerror="alert(1)"> [点我](https://evil.example)')
    assert "![" not in out and "](" not in out
    assert "<img" not in out and "&lt;img" in out
    assert "http://" not in out  # no bare URL for the autolinker either


def test_line_breaks_kept_and_inline_flattened() -> None:
    assert md("第一行\n第二行") == "第一行  \n第二行"
    assert md_inline("a\n b", limit=0) == "a b"
    assert md_inline("一二三四五", limit=3) == "一二三…"


def test_report_loses_scripts_remote_resources_and_handlers() -> None:
    doc = ("<html><head><title>t</title><link rel=stylesheet href='https://cdn.example/x.css'>"
           "<style>body{background:url(https://evil.example/b.png)}</style></head>"
           "<body onload='steal()'><script>fetch('https://evil.example')</script>"
           "<img src='https://evil.example/p.png'><table><tr><td>指标</td></tr></table>"
           "<svg><rect width='3'/></svg><a href='https://evil.example'>x</a></body></html>")
    clean = strip_active_content(doc)
    assert "evil.example" not in clean and "cdn.example" not in clean
    assert "<script" not in clean and "onload" not in clean and "<img" not in clean
    assert "<td>指标</td>" in clean and "<rect width='3'/>" in clean


def test_report_embedded_in_a_sandboxed_iframe_with_a_strict_policy() -> None:
    frame = sandboxed_report("<html><head></head><body><p>报告</p></body></html>")
    assert frame.startswith("<iframe") and 'sandbox=""' in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
    assert srcdoc is not None and "Content-Security-Policy" in srcdoc.group(1)
    assert "default-src &#x27;none&#x27;" in srcdoc.group(1)
