"""Small server-rendered SVG charts (no script, no CDN)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portal.kernel.wording import colon

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 200, 32, 28, 12


def monthly_bars(trend: list[dict], *, title: str, series: list[tuple[str, str]]) -> SafeString:
    """Grouped bars per month: ``series`` is [(key, label), ...] of the trend rows.

    Bars carry CSS classes (``bar-0``, ``bar-1``) for colour, and each has a
    <title> so the value is read out by screen readers and shown on hover.
    """
    peak = max([1, *(row[key] for row in trend for key, _ in series)])
    inner_w = WIDTH - PAD_LEFT
    inner_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = inner_w / max(1, len(trend))
    bar_w = max(2.0, (slot - 6) / len(series))
    bars, labels = [], []
    for i, row in enumerate(trend):
        x0 = PAD_LEFT + i * slot + 3
        month = date_format(row["month"], "Y-m")
        for j, (key, label) in enumerate(series):
            value = row[key]
            height = inner_h * value / peak
            bars.append(
                (
                    f"bar-{j}",
                    f"{x0 + j * bar_w:.1f}",
                    f"{PAD_TOP + inner_h - height:.1f}",
                    f"{bar_w - 1:.1f}",
                    f"{height:.1f}",
                    f"{month} {label}{colon()}{value}",
                )
            )
        labels.append((f"{x0 + slot / 2 - 3:.1f}", f"{HEIGHT - 8}", month))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="tick" x="2" y="{}">{}</text>'
        "{}{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        PAD_LEFT,
        PAD_TOP + inner_h,
        WIDTH,
        PAD_TOP + inner_h,
        PAD_TOP + 10,
        peak,
        format_html_join(
            "",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bars,
        ),
        format_html_join(
            "", '<text class="month" x="{}" y="{}" text-anchor="middle">{}</text>', labels
        ),
    )
