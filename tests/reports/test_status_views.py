"""Status report pages: the archive, the report (preview, summary in place, deliveries), build,
send now, the PDF and the plain text; who may do what."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from projects import clock
from reports.models import DeliveryAttempt, StatusReport, StatusReportDelivery
from reports.services.status import status_report_build, week_start_for
from stakeholders import services as stakeholder_services
from tests.factories import project_with
from tests.reports.status_example import FRIDAY_1, worked_project

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
WRITES = {"status_report_build", "status_report_summary", "status_report_send"}


@pytest.fixture
def report(project, manager):
    worked_project(project, manager)
    return status_report_build(project=project, by=manager, now=FRIDAY_1)


def _urls(project, report) -> list[tuple[str, str]]:
    both = (project.pk, report.pk)
    return [
        ("status_reports", reverse("reports:status_reports", args=[project.pk])),
        ("status_report_build", reverse("reports:status_report_build", args=[project.pk])),
        ("status_report", reverse("reports:status_report", args=both)),
        ("status_report_summary", reverse("reports:status_report_summary", args=both)),
        ("status_report_send", reverse("reports:status_report_send", args=both)),
        ("status_report_pdf", reverse("reports:status_report_pdf", args=both)),
        ("status_report_text", reverse("reports:status_report_text", args=both)),
    ]


def _state(project) -> list:
    return list(
        StatusReport.objects.filter(project=project).values_list(
            "pk", "status", "summary", "version", "built_at"
        )
    ) + [StatusReportDelivery.objects.filter(report__project=project).count()]


def _audience(project, manager, *emails):
    people = [
        stakeholder_services.stakeholder_create(
            project=project, by=manager, name=f"Reader {i}", email=address
        )
        for i, address in enumerate(emails)
    ]
    stakeholder_services.communication_item_create(
        project=project,
        by=manager,
        title="Weekly status report",
        kind="weekly_status_report",
        audience=people,
    )
    return people


# --- access ---------------------------------------------------------------------------------------


def test_status_urls_cover_every_page(project, report):
    """The access tests below iterate over every status report URL name."""
    from reports.urls import urlpatterns

    names = {p.name for p in urlpatterns if p.name and p.name.startswith("status_report")}
    assert names == {name for name, _ in _urls(project, report)}


def test_status_pages_outsider_gets_404_for_every_method(client_for, outsider, project, report):
    """A non-member gets 404 on every status report URL, GET and POST, and changes nothing."""
    client = client_for(outsider)
    before = _state(project)
    for name, url in _urls(project, report):
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"summary": "x", "version": "1"}).status_code == 404, name
        assert client.post(url, {"summary": "x"}, **HTMX).status_code == 404, name
    assert _state(project) == before


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_status_pages_viewer_and_member_read_but_get_403_on_writes(
    client_for, project, report, role, request
):
    """Viewers and members read every page; every write answers 403 (a POST to a page that only
    reads, 405) and changes nothing."""
    client = client_for(request.getfixturevalue(role))
    before = _state(project)
    for name, url in _urls(project, report):
        response = client.get(url)
        assert response.status_code == (405 if name in WRITES else 200), name
        data = {"summary": "Mine", "version": str(report.version)}
        assert client.post(url, data).status_code == (403 if name in WRITES else 405), name
    assert _state(project) == before
    page = client.get(reverse("reports:status_report", args=[project.pk, report.pk]))
    html = page.content.decode()
    assert "Edit summary" not in html
    for write in ("status_report_summary", "status_report_send", "status_report_build"):
        assert (
            reverse(
                f"reports:{write}", args=[project.pk, report.pk][: 1 if "build" in write else 2]
            )
            not in html
        )


def test_status_report_of_another_project_is_404(client_for, manager, project, report):
    """A report id under a project it does not belong to is not found."""
    mine_too = project_with(manager=manager)
    url = reverse("reports:status_report", args=[mine_too.pk, report.pk])
    assert client_for(manager).get(url).status_code == 404


def test_status_pages_of_a_closed_project_are_read_only(client_for, manager, project, report):
    """On a closed project the manager still reads, but builds and edits are refused (403)."""
    project.stage = "closed"
    project.save()
    client = client_for(manager)
    assert (
        client.get(reverse("reports:status_report", args=[project.pk, report.pk])).status_code
        == 200
    )
    url = reverse("reports:status_report_build", args=[project.pk])
    assert client.post(url).status_code == 403


# --- the archive ----------------------------------------------------------------------------------


def _reports(project, count: int) -> None:
    monday = datetime.date(2025, 1, 6)
    now = timezone.now()
    rows = StatusReport.objects.bulk_create(
        StatusReport(
            project=project,
            week_start=monday + datetime.timedelta(weeks=i),
            as_of=monday + datetime.timedelta(weeks=i, days=4),
            status="sent",
            health=("green", "amber", "red")[i % 3],
            built_at=now,
            sent_at=now,
        )
        for i in range(count)
    )
    StatusReportDelivery.objects.bulk_create(
        StatusReportDelivery(report=r, email=f"{kind}@example.com", status=kind)
        for r in rows
        for kind in ("sent", "failed")
    )


def test_status_reports_archive_lists_weeks_with_health_and_delivery_counts(
    client_for, manager, project, report
):
    """Each week's report with its health as a word, draft or sent, and delivery counts."""
    delivered = StatusReportDelivery.objects.create(report=report, email="a@example.com")
    StatusReportDelivery.objects.filter(pk=delivered.pk).update(status="sent")
    StatusReportDelivery.objects.create(report=report, email="b@example.com", status="failed")
    response = client_for(manager).get(reverse("reports:status_reports", args=[project.pk]))
    html = response.content.decode()
    [row] = response.context["reports"]
    assert (row.deliveries_sent, row.deliveries_failed, row.deliveries_total) == (1, 1, 2)
    assert "5 Jan 2026" in html and "Draft" in html
    assert f">{report.get_health_display()}<" in html
    assert "Build this week&#x27;s report" in html or "Build this week's report" in html
    assert 'aria-current="page">Status reports</a>' in html


def test_status_reports_archive_query_count_does_not_grow_with_reports(
    client_for, manager, project, django_assert_max_num_queries
):
    """3 reports or 20 (one page), the archive costs the same number of queries."""
    client = client_for(manager)
    url = reverse("reports:status_reports", args=[project.pk])
    _reports(project, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    StatusReport.objects.filter(project=project).delete()
    _reports(project, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["reports"]) == 20


def test_status_reports_archive_is_paginated(client_for, manager, project):
    """Twenty weeks a page; older ones on the next page."""
    _reports(project, 23)
    client = client_for(manager)
    url = reverse("reports:status_reports", args=[project.pk])
    assert len(client.get(url).context["reports"]) == 20
    assert len(client.get(url, {"page": 2}).context["reports"]) == 3
    assert len(client.get(url, {"page": "nonsense"}).context["reports"]) == 20


# --- build, the page, the summary -----------------------------------------------------------------


def test_status_report_build_page_builds_this_weeks_report_once(client_for, manager, project):
    """The manager's button builds this week's report and shows it; again, the same report."""
    client = client_for(manager)
    url = reverse("reports:status_report_build", args=[project.pk])
    first = client.post(url)
    report = StatusReport.objects.get(project=project)
    assert report.week_start == week_start_for(project, clock.now())
    assert first.status_code == 302
    assert first.url == reverse("reports:status_report", args=[project.pk, report.pk])
    assert client.post(url).url == first.url
    assert StatusReport.objects.filter(project=project).count() == 1


def test_status_report_page_previews_the_report_with_svg_charts(
    client_for, manager, project, report
):
    """The page shows the frozen figures, the charts as SVG with words, and the editor."""
    response = client_for(manager).get(
        reverse("reports:status_report", args=[project.pk, report.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") >= 3 and "SPI and CPI by week" in html
    assert "29.2%" in html and "€3,200.00" in html and "Go-live" in html
    assert "Overall: Red" in html
    assert "Edit summary" in html and "Send now" in html


def test_status_report_summary_saves_in_place_with_htmx(client_for, manager, project, report):
    """With htmx the summary box comes back with the new text; the report keeps it."""
    client = client_for(manager)
    url = reverse("reports:status_report", args=[project.pk, report.pk])
    editor = client.get(url, {"part": "summary", "edit": "summary"}, **HTMX)
    assert 'name="summary"' in editor.content.decode()
    assert "<html" not in editor.content.decode()
    response = client.post(
        reverse("reports:status_report_summary", args=[project.pk, report.pk]),
        {"summary": "Build slipped two days.", "version": report.version},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Build slipped two days." in html
    assert "Summary saved." in html and "<html" not in html
    report.refresh_from_db()
    assert report.summary == "Build slipped two days." and report.version == 2


def test_status_report_summary_plain_post_redirects(client_for, manager, project, report):
    """Without JavaScript the form posts and the page reloads with the summary."""
    client = client_for(manager)
    response = client.post(
        reverse("reports:status_report_summary", args=[project.pk, report.pk]),
        {"summary": "Quiet week.", "version": report.version},
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Quiet week." in page.content.decode()


def test_status_report_summary_refuses_a_stale_version(client_for, manager, project, report):
    """An edit based on an older version is refused with a clear message; nothing changes."""
    client = client_for(manager)
    url = reverse("reports:status_report_summary", args=[project.pk, report.pk])
    client.post(url, {"summary": "First.", "version": report.version})
    stale = client.post(url, {"summary": "Second.", "version": report.version}, **HTMX)
    assert "Someone else changed this record" in stale.content.decode()
    plain = client.post(url, {"summary": "Second.", "version": report.version})
    assert plain.status_code == 400
    report.refresh_from_db()
    assert report.summary == "First."


def test_status_report_summary_bad_input_is_400_not_500(client_for, manager, project, report):
    """A missing version or an overlong summary is a form error."""
    client = client_for(manager)
    url = reverse("reports:status_report_summary", args=[project.pk, report.pk])
    assert client.post(url, {"summary": "x"}).status_code == 400
    too_long = client.post(url, {"summary": "x" * 10_001, "version": report.version})
    assert too_long.status_code == 400
    assert "at most 10000 characters" in too_long.content.decode()


def test_status_report_summary_of_a_sent_report_is_refused(client_for, manager, project, report):
    """Once sent, the summary cannot change; the page offers no editor."""
    StatusReport.objects.filter(pk=report.pk).update(status="sent")
    client = client_for(manager)
    response = client.post(
        reverse("reports:status_report_summary", args=[project.pk, report.pk]),
        {"summary": "Too late.", "version": report.version},
    )
    assert response.status_code == 400
    assert "has been sent" in response.content.decode()
    page = client.get(reverse("reports:status_report", args=[project.pk, report.pk]))
    assert "Edit summary" not in page.content.decode()
    report.refresh_from_db()
    assert report.summary == ""


# --- send now, deliveries -------------------------------------------------------------------------


def test_status_report_send_now_mails_the_plans_audience(
    client_for,
    manager,
    project,
    report,
    smtp_server,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    """ "Send now" marks the report sent and e-mails each reader on the plan once."""
    _audience(project, manager, "ana@example.com", "ben@example.com")
    client = client_for(manager)
    url = reverse("reports:status_report_send", args=[project.pk, report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_sent and report.sent_by == manager
    assert sorted(r[0] for r, _ in smtp_server.messages) == ["ana@example.com", "ben@example.com"]
    page = client.get(reverse("reports:status_report", args=[project.pk, report.pk]))
    html = page.content.decode()
    assert "ana@example.com" in html and "delivered" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)  # again: nobody gets it twice
    assert len(smtp_server.messages) == 2


def test_status_report_send_without_audience_is_a_clear_400(client_for, manager, project, report):
    """With nobody on the plan, sending is refused with the reason, and the report stays draft."""
    response = client_for(manager).post(
        reverse("reports:status_report_send", args=[project.pk, report.pk])
    )
    assert response.status_code == 400
    assert "names nobody for the weekly status report" in response.content.decode()
    report.refresh_from_db()
    assert not report.is_sent


def test_status_report_page_shows_each_attempt_and_its_error(client_for, viewer, project, report):
    """Retries are visible: every attempt of every delivery, with the mail server's words."""
    delivery = StatusReportDelivery.objects.create(
        report=report, email="ana@example.com", name="Ana", status="retrying", attempts=2
    )
    now = timezone.now()
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=now, error="SMTPServerDisconnected: gone"
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, number=2, started_at=now, error="SMTPDataError: 451 try later"
    )
    html = (
        client_for(viewer)
        .get(reverse("reports:status_report", args=[project.pk, report.pk]))
        .content.decode()
    )
    assert "Retrying" in html
    assert "Attempt 1" in html and "SMTPServerDisconnected: gone" in html
    assert "Attempt 2" in html and "451 try later" in html


# --- PDF and text ---------------------------------------------------------------------------------


def test_status_report_pdf_downloads_with_the_numbers(client_for, viewer, project, report):
    """The PDF download is the report with its figures, named after the project and week."""
    response = client_for(viewer).get(
        reverse("reports:status_report_pdf", args=[project.pk, report.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"{project.key}-status-2026-01-05.pdf" in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert project.key in text and "29.2%" in text


def test_status_report_text_is_the_plain_text_email(client_for, viewer, project, report):
    """The plain-text preview is the body text-only readers get."""
    response = client_for(viewer).get(
        reverse("reports:status_report_text", args=[project.pk, report.pk])
    )
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "OVERALL: RED" in body and "29.2%" in body
