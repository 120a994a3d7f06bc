"""Charts as inline SVG strings: the HTML report must open offline, so no JavaScript, no CDN, no images.

Every label is escaped here; the template inserts the returned markup as-is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = 'font-family="system-ui,-apple-system,Segoe UI,PingFang SC,Microsoft YaHei,sans-serif" font-size="12"'
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}" {FONT}>'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str,
              intervals: Sequence[tuple[float, float] | None] | None = None, max_value: float = 1.0) -> str:
    """Horizontal bars in [0, max_value], an optional interval whisker per bar; None draws 'n/a'."""
    label_w, bar_w, row_h = 170, 320, 22
    height = 30 + row_h * len(labels)
    body = [f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 26 + i * row_h
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(str(label))}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#f1f5f9"/>')
        if value is None:
            body.append(f'<text x="{label_w + 4}" y="{y + 14}" fill="#64748b">n/a</text>')
            continue
        w = max(0.0, min(1.0, value / max_value)) * bar_w
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                    f'fill="{PALETTE[0]}"/>')
        ci = intervals[i] if intervals else None
        if ci:
            lo, hi = (label_w + max(0.0, min(1.0, v / max_value)) * bar_w for v in ci)
            body.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 11}" y2="{y + 11}" stroke="#0f172a" '
                        f'stroke-width="1.5"/>')
        body.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{value:.3f}</text>')
    return _svg(label_w + bar_w + 60, height, body, title)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[float]], *, title: str, row_axis: str = "gold",
            col_axis: str = "predicted") -> str:
    """Square matrix; darker = more. Row i, column j holds matrix[i][j], with the number written in the cell."""
    n = len(labels)
    cell, left, top = 26, 150, 150
    peak = max((v for row in matrix for v in row), default=0) or 1
    body = [f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
            f'<text x="{left}" y="32" fill="#475569">rows: {escape(row_axis)} · columns: {escape(col_axis)}</text>']
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        body.append(f'<text x="{x:.0f}" y="{top - 6}" transform="rotate(-60 {x:.0f} {top - 6})">'
                    f"{escape(str(label))}</text>")
    for i, label in enumerate(labels):
        y = top + i * cell
        body.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{escape(str(label))}</text>')
        for j in range(n):
            v = matrix[i][j]
            shade = 0.08 + 0.92 * (v / peak) if v else 0.0
            fill = f"rgba(37,99,235,{shade:.2f})" if v else "#f8fafc"
            body.append(f'<rect class="cell" x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                        f'fill="{fill}"><title>{escape(str(label))} → {escape(str(labels[j]))}: {v:g}</title></rect>')
            if v:
                color = "#fff" if shade > 0.55 else "#0f172a"
                body.append(f'<text x="{left + j * cell + cell / 2:.0f}" y="{y + 17}" text-anchor="middle" '
                            f'fill="{color}" font-size="10">{v:g}</text>')
    return _svg(left + n * cell + 10, top + n * cell + 10, body, title)


def histogram(values: Sequence[float], *, title: str, bins: int = 20, unit: str = "ms") -> str:
    width, height, left, bottom = 520, 200, 40, 30
    body = [f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>']
    if not values:
        body.append('<text x="40" y="60" fill="#64748b">no samples</text>')
        return _svg(width, 80, body, title)
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / span * bins))] += 1
    peak = max(counts)
    plot_w, plot_h = width - left - 10, height - bottom - 30
    bw = plot_w / bins
    for k, c in enumerate(counts):
        h = c / peak * plot_h
        body.append(f'<rect class="bin" x="{left + k * bw:.1f}" y="{height - bottom - h:.1f}" width="{bw - 1:.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[2]}"><title>{lo + k * span / bins:.1f}–'
                    f'{lo + (k + 1) * span / bins:.1f} {unit}: {c}</title></rect>')
    body += [f'<line x1="{left}" x2="{width - 10}" y1="{height - bottom}" y2="{height - bottom}" stroke="#94a3b8"/>',
             f'<text x="{left}" y="{height - 10}">{lo:.1f} {escape(unit)}</text>',
             f'<text x="{width - 10}" y="{height - 10}" text-anchor="end">{hi:.1f} {escape(unit)}</text>',
             f'<text x="{left - 4}" y="{height - bottom - plot_h + 10:.0f}" text-anchor="end">{peak}</text>']
    return _svg(width, height, body, title)


def line_chart(x_labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str,
               max_value: float = 1.0) -> str:
    """One polyline per series over runs (oldest left); gaps where a run lacks the metric."""
    width, height, left, bottom, top = 620, 220, 40, 40, 30
    plot_w, plot_h = width - left - 200, height - bottom - top  # 200 px on the right for the legend
    n = len(x_labels)
    body = [f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
            f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#94a3b8"/>',
            f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{max_value:g}</text>',
            f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']

    def xy(k: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * k / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - max(0.0, min(1.0, v / max_value)))

    for s, (name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        points = [xy(k, v) for k, v in enumerate(values) if v is not None]
        if len(points) > 1:
            body.append(f'<polyline class="trend" fill="none" stroke="{color}" stroke-width="2" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in points]
        body.append(f'<text x="{left + plot_w + 10}" y="{top + 14 + 16 * s}" fill="{color}">{escape(name)}</text>')
    if n:
        body.append(f'<text x="{left}" y="{height - 12}" fill="#475569">{escape(x_labels[0])}</text>')
        body.append(f'<text x="{left + plot_w}" y="{height - 12}" text-anchor="end" fill="#475569">'
                    f"{escape(x_labels[-1])}</text>")
    return _svg(width, height, body, title)
