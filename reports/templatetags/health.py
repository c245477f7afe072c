"""Health badges and sparklines as tags: the portfolio dashboard shows eight of them a row, and
an ``{% include %}`` each cost more than the rest of the row (a template per call)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

register = template.Library()


@register.simple_tag
def rag_badge(rag: str, reason: str = "", prefix: str = "") -> SafeString:
    """A health rating as a coloured badge with its word (DESIGN §6): ``rag`` is "green",
    "amber", "red", or empty (not computed yet); ``prefix`` is read out before it."""
    if not rag:
        return mark_safe('<span class="status status-neutral rag-none">Not computed yet</span>')
    return format_html(
        '<span class="status rag rag-{}"{}>{}{}</span>',
        rag,
        format_html(' title="{}"', reason) if reason else "",
        format_html('<span class="visually-hidden">{}: </span>', prefix) if prefix else "",
        capfirst(rag),
    )


@register.simple_tag
def sparkline(spark: Any) -> SafeString:
    """A KPI sparkline (``reports.charts.sparkline``); ``spark.text`` is its text alternative."""
    chart = spark.chart
    marks = ""
    if chart.points:
        marks = format_html('<polyline points="{}"/>', chart.points)
        if chart.last:
            marks = format_html(
                '{}<circle cx="{}" cy="{}" r="2"/>', marks, chart.last[0], chart.last[1]
            )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><title>{}</title>{}</svg>',
        chart.width,
        chart.height,
        chart.width,
        chart.height,
        spark.text,
        spark.text,
        marks,
    )
