"""Server-rendered SVG charts: columns for daily series, horizontal bars for per-item values.

Each chart is one ``<svg class="chart" data-chart=…>`` with a viewBox, so it scales to the
width of a phone; labels use Bangla digits, captions carry an English label.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.admin.html import bn, esc

__all__ = ["bars", "columns"]

_COLOR = "#0d5c63"
_ALT = "#e07a5f"


def _nice_max(value: float) -> float:
    """Round the axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def columns(name: str, caption: str, points: Sequence[tuple[str, int]]) -> str:
    """A column chart of a daily series: ``points`` are (label, value), oldest first."""
    width, height, left, bottom, top = 460, 230, 44, 30, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points), 1)
    slot = plot_w / n
    parts = [
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(caption)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(caption)}</title>",
    ]
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#e3e8ec"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="14" text-anchor="end" '
            f'fill="#5b6b7a">{bn(int(value))}</text>'
        )
    every = max(1, n // 5)
    for i, (label, value) in enumerate(points):
        h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{_COLOR}"><title>{esc(label)}: {bn(value)}</title></rect>'
        )
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 18}" font-size="13" '
                f'text-anchor="middle" fill="#5b6b7a">{esc(bn(label))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bars(
    name: str,
    caption: str,
    rows: Sequence[tuple[str, int, str]],
    *,
    total: int | None = None,
    second: Sequence[int] | None = None,
) -> str:
    """Horizontal bars: ``rows`` are (label, value, text shown after the bar).

    ``second`` draws a lighter overlay per row (e.g. right answers over answers given).
    """
    row_h, left, width = 26, 92, 420
    height = max(1, len(rows)) * row_h + 8
    peak = total if total else max((v for _, v, _ in rows), default=0) or 1
    plot_w = width - left - 112
    parts = [
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(caption)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(caption)}</title>",
    ]
    for i, (label, value, note) in enumerate(rows):
        y = 4 + i * row_h
        w = plot_w * value / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 18}" font-size="15" text-anchor="end" '
            f'fill="#1d2733">{esc(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="{row_h - 6}" fill="#eef3f5"/>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{_COLOR}">'
            f"<title>{esc(label)}: {bn(value)}</title></rect>"
        )
        if second is not None:
            w2 = plot_w * second[i] / peak
            parts.append(
                f'<rect x="{left}" y="{y + 9}" width="{w2:.1f}" height="{row_h - 18}" '
                f'fill="{_ALT}"/>'
            )
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{y + 18}" font-size="14" fill="#5b6b7a">'
            f"{esc(note)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
