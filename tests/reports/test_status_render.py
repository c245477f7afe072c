"""Rendering weekly status reports: the words, the charts, the e-mail's structure and the PDF."""

import email
import io
from decimal import Decimal
from email import policy

import pytest
from PIL import Image
from pypdf import PdfReader

from reports import mail_charts, status_charts
from reports.rendering import (
    figure,
    movement,
    render_status_report,
    status_report_email,
)
from reports.services.status import status_report_build, status_report_update_summary
from risks import services as risk_services
from tests.reports.status_example import FRIDAY_1, worked_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(project, manager):
    worked_project(project, manager)
    risk_services.risk_create(
        project=project,
        by=manager,
        title="Vendor API late",
        probability=4,
        impact=4,
        owner=manager,
        response_strategy="mitigate",
    )
    report = status_report_build(project=project, by=manager, now=FRIDAY_1)
    return status_report_update_summary(
        report=report, by=manager, summary="Build slipped two days.", version=report.version
    )


@pytest.mark.parametrize(
    ("value", "unit", "places", "expected"),
    [
        ("29.2", "%", 1, "29.2%"),
        ("0.6250", "", 2, "0.63"),  # half up, as by hand
        ("3200.00", "¤", 2, "€3,200.00"),
        ("-1200.00", "¤", 2, "−€1,200.00"),
        (2, "d", 0, "2 working days"),
        (None, "", 2, "—"),
    ],
)
def test_figure_words_a_kpi(value, unit, places, expected):
    """KPIs read as people write them; unknown is a dash."""
    assert figure(value, unit, places, "EUR") == expected


@pytest.mark.parametrize(
    ("value", "unit", "places", "expected"),
    [
        ("29.1", "%", 1, "+29.1%"),
        ("-0.05", "", 2, "−0.05"),
        ("200.00", "¤", 2, "+€200.00"),
        ("0", "", 0, "no change"),
        (-1, "d", 0, "−1 working day"),
        (None, "", 0, "—"),
    ],
)
def test_movement_words_a_change(value, unit, places, expected):
    """Changes carry their sign; zero says so."""
    assert movement(value, unit, places, "EUR") == expected


def test_charts_are_the_same_shapes_as_svg_and_png():
    """Each chart is one layout: SVG with its words as title, PNG of the chart's size × 2."""
    trend = status_charts.trend_chart(
        [
            {"week": "2026-01-05", "spi": "0.90", "cpi": "1.00"},
            {"week": "2026-01-12", "spi": "0.80", "cpi": None},
        ]
    )
    assert trend.alt.startswith("SPI 0.90 → 0.80; CPI 1.00")
    markup = status_charts.svg(trend)
    assert markup.startswith("<svg") and "<polyline" in markup and trend.alt in markup
    image = Image.open(io.BytesIO(mail_charts.png(trend)))
    assert image.format == "PNG" and image.size == (trend.width * 2, trend.height * 2)
    health = status_charts.health_chart(
        {"rag": "amber"}, [{"label": "Cost", "rag": "red"}, {"label": "Scope", "rag": ""}]
    )
    assert health.alt == "Overall: Amber; Cost: Red; Scope: Not rated."
    assert "Amber" in status_charts.svg(health)  # the word, not only the colour


def test_render_status_report_words_subject_text_and_html(report):
    """Subject names key, week and health; text and HTML carry the same figures."""
    rendered = render_status_report(report)
    key = report.project.key
    assert rendered.subject == f"{key} status, week of 5 Jan 2026: Red"
    for body in (rendered.text, rendered.html):
        assert "Build slipped two days." in body
        assert "29.2%" in body  # % complete
        assert "€3,200.00" in body  # EAC
        assert "Go-live" in body and "Design sign-off" in body
        assert "Vendor API late" in body
    assert "OVERALL: RED" in rendered.text
    assert "<svg" not in rendered.html  # mail clients get images, not SVG
    for cid in rendered.images:
        assert f'src="cid:{cid}"' in rendered.html
    assert len(rendered.images) == 3
    assert rendered.pdf_filename == f"{key}-status-2026-01-05.pdf"


def test_render_status_report_pdf_text_has_the_numbers(report):
    """The PDF is a real PDF whose text holds the key, SPI, CPI, EAC and the summary."""
    rendered = render_status_report(report)
    assert rendered.pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert report.project.key in text
    assert report.snapshot.spi == Decimal("0.5") and "SPI 0.50" in text
    assert report.snapshot.cpi == Decimal("0.625") and "CPI 0.63" in text  # rounded half up
    assert "3,200.00" in text  # EAC
    assert "Build slipped two days." in text
    assert "Red" in text  # health as a word


def test_status_report_email_is_alternative_with_related_images_and_a_pdf(report, settings):
    """multipart/mixed → alternative (text, related (html, PNGs)) + application/pdf."""
    settings.DEFAULT_FROM_EMAIL = "Charter <charter@example.com>"
    message = status_report_email(
        report, to=["sponsor@example.com"], message_id="<status-1@example.com>"
    )
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["To"] == "sponsor@example.com"
    assert parsed["Message-ID"] == "<status-1@example.com>"
    assert parsed["Subject"].endswith("week of 5 Jan 2026: Red")
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, related = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "29.2%" in text.get_content()
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert len(images) == 3
    body = html.get_content()
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image.get_content_disposition() == "inline"
        cid = image["Content-ID"].strip("<>")
        assert f"cid:{cid}" in body
        assert image.get_content().startswith(b"\x89PNG")
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{report.project.key}-status-2026-01-05.pdf"
    pdf_text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert report.project.key in pdf_text


def test_status_report_email_goes_through_a_real_smtp_server(report, smtp_server):
    """Sent through Django's SMTP backend, the server receives one message with the PDF."""
    assert status_report_email(report, to=["sponsor@example.com"]).send() == 1
    [(recipients, received)] = smtp_server.messages
    assert recipients == ["sponsor@example.com"]
    kinds = [part.get_content_type() for part in received.walk()]
    assert kinds.count("image/png") == 3 and "application/pdf" in kinds
