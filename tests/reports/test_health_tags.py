"""The badge and sparkline tags write exactly what the include templates they replace wrote."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.template import Context, Template

from reports.charts import sparkline as make_sparkline

# The include templates as they were (reports/rag_badge.html and reports/sparkline.html).
OLD_BADGE = Template(
    '{% if rag %}<span class="status rag rag-{{ rag }}"{% if reason %} title="{{ reason }}"'
    '{% endif %}>{% if prefix %}<span class="visually-hidden">{{ prefix }}: </span>{% endif %}'
    '{{ rag|capfirst }}</span>{% else %}<span class="status status-neutral rag-none">'
    "Not computed yet</span>{% endif %}"
)
OLD_SPARK = Template(
    '<svg class="sparkline" width="{{ spark.chart.width }}" height="{{ spark.chart.height }}" '
    'viewBox="0 0 {{ spark.chart.width }} {{ spark.chart.height }}" role="img" '
    'aria-label="{{ spark.text }}"><title>{{ spark.text }}</title>{% if spark.chart.points %}'
    '<polyline points="{{ spark.chart.points }}"/>{% if spark.chart.last %}<circle '
    'cx="{{ spark.chart.last.0 }}" cy="{{ spark.chart.last.1 }}" r="2"/>{% endif %}{% endif %}'
    "</svg>"
)


@pytest.mark.parametrize(
    ("rag", "reason", "prefix"),
    itertools.product(
        ["", "green", "amber", "red"],
        ["", "SPI 0.82 < 0.85 <b>&", 'a "quoted" reason'],
        ["", "Cost", "Overall <health>"],
    ),
)
def test_rag_badge_tag_equals_the_old_include(rag, reason, prefix):
    new = Template("{% load health %}{% rag_badge rag reason prefix %}")
    context = {"rag": rag, "reason": reason, "prefix": prefix}
    assert new.render(Context(context)) == OLD_BADGE.render(Context(context))


class Spark:
    def __init__(self, chart, text):
        self.chart, self.text = chart, text


START = datetime.date(2026, 10, 1)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [None, None],
        [Decimal("1.00")],
        [Decimal("0.80"), Decimal("0.95"), None, Decimal("1.10"), Decimal("0.70")],
        [12.5, 100.0, 33.333, 0.0, 57.1, 1234.5],
        [1, 2, 3],
    ],
)
def test_sparkline_tag_equals_the_old_include(values):
    series = [(START + datetime.timedelta(days=7 * k), v) for k, v in enumerate(values)]
    chart = make_sparkline(series, start=START, end=START + datetime.timedelta(days=56), width=72)
    spark = Spark(chart, 'SPI from 0.80 to 0.70 <down> & "falling"')
    new = Template("{% load health %}{% sparkline spark %}")
    assert new.render(Context({"spark": spark})) == OLD_SPARK.render(Context({"spark": spark}))
