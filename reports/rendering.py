"""The weekly status report as people read it: the page, the e-mail (HTML and text) and the PDF.

All three are drawn from the report's frozen ``content`` (``reports.services.status``) and its
summary, through one presentation (``present``), so they show the same numbers in the same
words. Charts are laid out once (``reports.status_charts``): inline SVG on the page and in the
PDF, PNG (``reports.mail_charts``) as inline ``cid:`` images in the e-mail, each with its words.

``status_report_email`` builds the message the delivery machinery sends::

    multipart/mixed
      multipart/alternative
        text/plain                 the plain-text report
        multipart/related
          text/html                the HTML report, charts as <img src="cid:…">
          image/png (Content-ID)   one per chart
      application/pdf              the PDF, as an attachment
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from projects.money import money
from projects.pdf import html_to_pdf
from projects.site import absolute_url
from reports import mail_charts, status_charts
from reports.models import StatusReport

__all__ = [
    "RenderedReport",
    "present",
    "render_pdf",
    "render_status_report",
    "render_text",
    "status_report_email",
]

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class RenderedReport:
    subject: str  # e.g. "PORTAL status, week of 23 Nov 2026: Amber"
    text: str  # plain-text e-mail body
    html: str  # HTML e-mail body, charts as <img src="cid:...">
    images: dict[str, bytes]  # content-id -> PNG bytes
    pdf: bytes
    pdf_filename: str


# --- wording --------------------------------------------------------------------------------------


def day_label(value: str | datetime.date | None) -> str:
    """``"2026-11-23"`` → ``"23 Nov 2026"``; nothing → ``"—"``."""
    if not value:
        return "—"
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def rag_word(rag: str) -> str:
    return rag.capitalize() if rag else "Not rated"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def figure(value: Any, unit: str, places: int, currency: str) -> str:
    """A KPI as people write it: 29.2%, 0.50, €1,200.00, 2 working days; unknown is "—"."""
    number = _decimal(value)
    if number is None:
        return "—"
    if unit == "¤":  # the currency's own decimals (¥1,234; KWD three), not the row's
        return money(number, currency)
    if unit == "d":
        days = int(number)
        return f"{days} working day{'' if abs(days) == 1 else 's'}"
    text = f"{_round(number, places):,.{places}f}"
    return f"{text.replace('-', '−')}{unit}"


def movement(value: Any, unit: str, places: int, currency: str) -> str:
    """A change since last week: +29.1%, −€200.00, +2 working days, "no change"; unknown "—"."""
    number = _decimal(value)
    if number is None:
        return "—"
    if number == 0:
        return "no change"
    if unit == "¤":
        return money(number, currency, sign=True)
    sign = "+" if number > 0 else "−"
    if unit == "d":
        days = abs(int(number))
        return f"{sign}{days} working day{'' if days == 1 else 's'}"
    return f"{sign}{_round(abs(number), places):,.{places}f}{unit}"


# --- presentation ---------------------------------------------------------------------------------


def present(report: StatusReport) -> dict[str, Any]:
    """What every rendering of the report shows, worded (all strings, ready for templates)."""
    content = report.content or {}
    project = content.get("project", {})
    currency = project.get("currency") or report.project.currency
    health = content.get("health", {})
    overall = health.get("overall", {"rag": report.health, "reason": ""})
    dimensions = health.get("dimensions", [])
    previous = content.get("previous")
    kpis = _kpi_rows(content.get("kpis", []), currency)
    by_key = {row["key"]: row for row in kpis}
    milestones = content.get("milestones", {})
    budget = content.get("budget", {})
    schedule = content.get("schedule", {})
    return {
        "report": report,
        "key": project.get("key") or report.project.key,
        "name": project.get("name") or report.project.name,
        "managers": ", ".join(project.get("managers", [])) or "—",
        "sponsor": project.get("sponsor") or "—",
        "stage": project.get("stage", ""),
        "currency": currency,
        "week_start": day_label(content.get("week_start") or report.week_start),
        "week_end": day_label(content.get("week_end")),
        "as_of": day_label(content.get("as_of") or report.as_of),
        "is_sent": report.is_sent,
        "summary": report.summary,
        "overall": {
            "rag": overall.get("rag", ""),
            "word": rag_word(overall.get("rag", "")),
            "reason": overall.get("reason", ""),
        },
        "dimensions": [{**d, "word": rag_word(d.get("rag", ""))} for d in dimensions],
        "kpis": kpis,
        "headline": [by_key[k] for k in ("percent_complete", "spi", "cpi", "eac") if k in by_key],
        "previous": (
            f"{'last week’s report' if previous['kind'] == 'report' else 'the KPIs'} "
            f"of {day_label(previous['as_of'])}"
            if previous
            else ""
        ),
        "schedule": {
            "forecast": day_label(schedule.get("forecast_finish")),
            "baseline": day_label(schedule.get("baseline_finish")),
            "target": day_label(schedule.get("target_finish")),
            "slip": figure(schedule.get("finish_slip_days"), "d", 0, currency),
        },
        "milestones": {
            group: _milestone_rows(milestones.get(group, []), currency)
            for group in ("done", "due", "slipped")
        },
        "risks": _risk_rows(content.get("risks", []), currency),
        "issues": _issues(content.get("issues", {})),
        "decisions": _decisions(content.get("decisions", {}), currency),
        "budget": _budget(budget, currency),
        "charts": [
            status_charts.health_chart(overall, dimensions),
            status_charts.trend_chart(content.get("trend", [])),
            status_charts.budget_chart(budget, currency),
        ],
    }


def _kpi_rows(rows: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """Each KPI's value, last week's and the change, worded."""
    return [
        {
            "key": row["key"],
            "label": row["label"],
            "value": figure(row["value"], row["unit"], row["places"], currency),
            "previous": figure(row["previous"], row["unit"], row["places"], currency),
            "change": movement(row["change"], row["unit"], row["places"], currency),
            "trend": row["trend"],
        }
        for row in rows
    ]


def _milestone_rows(rows: list[dict[str, Any]], currency: str) -> list[dict[str, str]]:
    """Milestones with their dates and how far they slipped ("missed", "on baseline", days)."""
    return [
        {
            "name": m["name"],
            "date": day_label(m["date"]),
            "baseline": day_label(m["baseline"]),
            "done_on": day_label(m.get("done_on")),
            "owner": m.get("owner") or "—",
            "slip": (
                "missed"
                if m.get("missed")
                else figure(m["slip_days"], "d", 0, currency)
                if m.get("slip_days")
                else "on baseline"
                if m.get("slip_days") == 0
                else "—"
            ),
        }
        for m in rows
    ]


def _risk_rows(rows: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """The top risks with their expected monetary value, level, owner and response."""
    return [
        {
            **r,
            "emv": figure(r.get("emv"), "¤", 2, currency),
            "level_label": (r.get("level") or "").capitalize(),
            "owner": r.get("owner") or "—",
            "response": r.get("response") or "—",
        }
        for r in rows
    ]


def _issues(issues: dict[str, Any]) -> dict[str, Any]:
    """The open issues: how many, and the listed ones with owner and due date."""
    return {
        "count": issues.get("count", 0),
        "items": [
            {**i, "owner": i.get("owner") or "—", "due": day_label(i.get("due_date"))}
            for i in issues.get("items", [])
        ],
    }


def _decisions(decisions: dict[str, Any], currency: str) -> dict[str, Any]:
    """Decisions needed (approvals, change requests with their impact) and those taken."""
    return {
        "approvals": [
            {**a, "requested_on": day_label(a.get("requested_on"))}
            for a in decisions.get("approvals", [])
        ],
        "change_requests": [
            {
                **c,
                "cost": figure(c.get("cost_impact"), "¤", 2, currency),
                "days": figure(c.get("schedule_impact"), "d", 0, currency),
                "submitted_on": day_label(c.get("submitted_on")),
            }
            for c in decisions.get("change_requests", [])
        ],
        "decided_this_week": [
            {**d, "date": day_label(d.get("date"))} for d in decisions.get("decided_this_week", [])
        ],
    }


def _budget(budget: dict[str, Any], currency: str) -> dict[str, Any]:
    """The earned-value figures, the budget lines and their totals, worded."""

    def money_of(key: str) -> str:
        return figure(budget.get(key), "¤", 2, currency)

    def ratio_of(key: str) -> str:
        return figure(budget.get(key), "", 2, currency)

    return {
        "evm": [
            ("Budget at completion (BAC)", money_of("bac")),
            ("Planned value (PV)", money_of("pv")),
            ("Earned value (EV)", money_of("ev")),
            ("Actual cost (AC)", money_of("ac")),
            ("Schedule variance (SV)", money_of("sv")),
            ("Cost variance (CV)", money_of("cv")),
            ("SPI", ratio_of("spi")),
            ("CPI", ratio_of("cpi")),
            ("Estimate at completion (EAC)", money_of("eac")),
            ("Estimate to complete (ETC)", money_of("etc")),
            ("Variance at completion (VAC)", money_of("vac")),
            ("TCPI", ratio_of("tcpi")),
        ],
        "lines": [
            {
                "label": line["label"],
                **{
                    k: figure(line.get(k), "¤", 2, currency)
                    for k in ("planned", "committed", "actual", "variance")
                },
            }
            for line in budget.get("lines", [])
        ],
        "totals": {
            k: figure(budget.get("totals", {}).get(k), "¤", 2, currency)
            for k in ("planned", "committed", "actual", "variance")
        },
    }


def subject_of(view: dict[str, Any]) -> str:
    return f"{view['key']} status, week of {view['week_start']}: {view['overall']['word']}"


def pdf_filename_of(report: StatusReport) -> str:
    key = (report.content or {}).get("project", {}).get("key") or report.project.key
    return f"{key}-status-{report.week_start.isoformat()}.pdf"


def content_id(report: StatusReport, chart: status_charts.Chart) -> str:
    return f"{chart.name}.report{report.pk}@charter"


def report_url(report: StatusReport) -> str:
    path = reverse("reports:status_report", args=[report.project_id, report.pk])
    return absolute_url(path)


def svg_charts(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The charts as inline SVG for the page and the PDF, each with its words."""
    return [
        {"chart": chart, "svg": mark_safe(status_charts.svg(chart))}  # noqa: S308 (built escaped)
        for chart in view["charts"]
    ]


def render_page_html(view: dict[str, Any]) -> str:
    """The whole report as the print document the PDF is made from."""
    return render_to_string(
        "reports/status/statusreport_print.html",
        {"r": view, "charts": svg_charts(view), "url": report_url(view["report"])},
    )


def render_pdf(report: StatusReport, view: dict[str, Any] | None = None) -> bytes:
    return html_to_pdf(render_page_html(view or present(report)))


def _mail_context(report: StatusReport, view: dict[str, Any]) -> dict[str, Any]:
    charts = [{"chart": chart, "cid": content_id(report, chart)} for chart in view["charts"]]
    return {"r": view, "charts": charts, "url": report_url(report)}


def render_text(report: StatusReport) -> str:
    """The plain-text e-mail body alone (the page's plain-text preview)."""
    view = present(report)
    return render_to_string("reports/email/status_report.txt", _mail_context(report, view))


def render_status_report(report: StatusReport) -> RenderedReport:
    """Subject, text, HTML with its inline images, and the PDF of one report."""
    view = present(report)
    images = {content_id(report, chart): mail_charts.png(chart) for chart in view["charts"]}
    context = _mail_context(report, view)
    return RenderedReport(
        subject=subject_of(view),
        text=render_to_string("reports/email/status_report.txt", context),
        html=render_to_string("reports/email/status_report.html", context),
        images=images,
        pdf=render_pdf(report, view),
        pdf_filename=pdf_filename_of(report),
    )


# A sent report no longer changes, so every recipient's copy is the same rendering: render it
# once (about a second, most of it the PDF) and share it through the cache for an hour.
RENDER_CACHE_SECONDS = 60 * 60


def rendered_for_sending(report: StatusReport) -> RenderedReport:
    """``render_status_report`` of a sent report, rendered once for all its recipients."""
    if not report.is_sent:
        return render_status_report(report)
    sent = report.sent_at.timestamp() if report.sent_at else 0
    key = f"status-report-rendered:{report.pk}:{report.version}:{sent}"
    rendered = cache.get(key)
    if rendered is None:
        rendered = render_status_report(report)
        cache.set(key, rendered, RENDER_CACHE_SECONDS)
    return rendered


# --- the e-mail -----------------------------------------------------------------------------------


class _RelatedHtmlMessage(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose HTML alternative travels in a multipart/related with the
    images it references by ``cid:``, so mail clients show them inline, not as attachments."""

    def __init__(self, *args: Any, related: list[MIMEImage] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.related = related or []

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not self.related or not self.alternatives:
            return msg
        parts = msg.get_payload()
        related = SafeMIMEMultipart(
            _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
        )
        related.set_param("type", "text/html")
        related.attach(parts[-1])
        for image in self.related:
            related.attach(image)
        parts[-1] = related
        return msg


def status_report_email(
    report: StatusReport,
    *,
    to: list[str],
    message_id: str | None = None,
    rendered: RenderedReport | None = None,
) -> EmailMultiAlternatives:
    """The report's e-mail to ``to``: text and HTML (charts inline), the PDF attached.

    Pass ``rendered`` (from ``render_status_report``) to send one rendering to many recipients;
    ``message_id`` fixes the Message-ID header (a retry then re-sends the same message).
    """
    rendered = rendered or rendered_for_sending(report)
    images = []
    for cid, data in rendered.images.items():
        image = MIMEImage(data, "png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
        images.append(image)
    headers = {"Auto-Submitted": "auto-generated"}
    if message_id:
        headers["Message-ID"] = message_id
    message = _RelatedHtmlMessage(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers,
        related=images,
    )
    message.attach_alternative(rendered.html, "text/html")
    message.attach(rendered.pdf_filename, rendered.pdf, "application/pdf")
    return message
