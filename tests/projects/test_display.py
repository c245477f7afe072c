"""One way to show things: human dates (never ISO on a page), money in the project's currency
format, people by full name in pickers, time zones on timestamps, Charter's own error pages and
favicon, plural words, links from what is empty or open to where it is fixed, and a spinner on
the slow buttons."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from projects import display
from projects import services as project_services
from reports.services import closure as closure_services
from reports.services.status import status_report_build
from risks import services as risk_services
from scheduling import services as schedule_services
from stakeholders import services as stakeholder_services
from tests.reports.closure_support import sponsor_of

ISO_DATE = re.compile(r">[^<]*\b20\d\d-\d\d-\d\d\b[^<]*<")
UTC = datetime.UTC


def test_human_date_reads_dates_datetimes_and_iso_strings_alike():
    """A date, an aware datetime and an ISO string all read "7 Dec 2026"; None stays empty."""
    assert display.human_date(datetime.date(2026, 12, 7)) == "7 Dec 2026"
    assert display.human_date("2026-12-07") == "7 Dec 2026"
    assert display.human_date(datetime.datetime(2026, 12, 7, 9, tzinfo=UTC)) == "7 Dec 2026"
    assert display.human_date(None) == ""
    assert display.human_date("not a date") == "not a date"


@pytest.mark.parametrize(
    ("chosen", "plain", "weekday_short", "timestamp"),
    [
        ("j M Y", "7 Dec 2026", "Mon 7 Dec 26", "7 Dec 2026, 09:00 CET"),
        ("d/m/Y", "07/12/2026", "Mon 07/12/26", "07/12/2026, 09:00 CET"),
        ("m/d/Y", "12/07/2026", "Mon 12/07/26", "12/07/2026, 09:00 CET"),
        ("Y-m-d", "2026-12-07", "Mon 2026-12-07", "2026-12-07, 09:00 CET"),
    ],
)
def test_human_date_follows_the_active_date_format(chosen, plain, weekday_short, timestamp):
    """Dates and timestamps read in the format activated for the request, then the default."""
    day = datetime.date(2026, 12, 7)
    display.activate_date_format(chosen)
    try:
        assert display.human_date(day) == plain
        assert display.human_date(day, weekday=True, short=True) == weekday_short
        moment = datetime.datetime(2026, 12, 7, 8, tzinfo=UTC)
        assert display.human_timestamp(moment, "Europe/Berlin") == timestamp
    finally:
        display.deactivate_date_format()
    assert display.human_date(day) == "7 Dec 2026"
    display.activate_date_format("%Y")  # not one of the choices: the default
    assert display.human_date(day) == "7 Dec 2026"


def test_human_timestamp_names_its_time_zone():
    """A timestamp is shown in the given zone, with the zone's name, else in the server's."""
    moment = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert display.human_timestamp(moment, "Europe/Berlin") == "7 Dec 2026, 09:00 CET"
    assert display.human_timestamp(moment) == "7 Dec 2026, 08:00 UTC"
    assert display.human_timestamp("2026-12-07T08:00:00+00:00", "Europe/London") == (
        "7 Dec 2026, 08:00 GMT"
    )


@pytest.mark.django_db
def test_baselines_page_shows_money_in_the_currency_format_and_a_zoned_timestamp(
    client_for, manager, project
):
    """The baselines page shows "€277,824.00", not "277824.00 EUR", and its time zone."""
    task = schedule_services.task_create(
        project=project, by=manager, name="Build", duration=5, fixed_cost=Decimal("277824")
    )
    schedule_services.baseline_create(project=project, by=manager, name="Approved plan")
    client = client_for(manager)
    page = client.get(reverse("scheduling:baselines", args=[project.pk])).content.decode()
    assert "€277,824.00" in page and "277824.00 EUR" not in page
    assert re.search(r"\d{2}:\d{2} (GMT|BST)</time>", page)  # the project is in Europe/London
    detail = client.get(reverse("scheduling:task_detail", args=[project.pk, task.pk])).content
    assert "€277,824.00" in detail.decode()


@pytest.mark.django_db
def test_change_log_shows_cost_impact_in_the_currency_format(client_for, manager, project):
    """A change request's cost impact reads "+€4,500.00" on the change log and its page."""
    change = project_services.change_request_create(
        project=project, by=manager, title="Safari", cost_impact=Decimal("4500")
    )
    client = client_for(manager)
    log = client.get(reverse("projects:changes", args=[project.pk])).content.decode()
    assert "+€4,500.00" in log
    page = client.get(reverse("projects:change", args=[project.pk, change.pk])).content.decode()
    assert "+€4,500.00" in page and "4,500.00 <span" not in page


@pytest.mark.django_db
def test_risk_owner_picker_names_people_by_full_name(client_for, manager, project):
    """The owner picker of a new risk lists "Mo Member", not the username "mo"."""
    page = client_for(manager).get(reverse("risks:risk_add", args=[project.pk])).content.decode()
    owner = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    assert ">Mo Member</option>" in owner
    assert ">mo</option>" not in owner


@pytest.mark.django_db
def test_meeting_picker_shows_a_human_date_with_its_zone(client_for, manager, project):
    """A meeting in the decision form's picker reads "Kick-off (14 Dec 2026, 10:00 UTC)"."""
    stakeholder_services.meeting_create(
        project=project,
        by=manager,
        title="Kick-off",
        starts_at=datetime.datetime(2026, 12, 14, 10, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 12, 14, 11, tzinfo=UTC),
    )
    page = client_for(manager).get(reverse("stakeholders:decisions", args=[project.pk]))
    text = page.content.decode()
    assert "Kick-off (14 Dec 2026, 10:00 UTC)" in text
    assert "2026-12-14" not in text


@pytest.mark.django_db
def test_closure_review_dates_are_human(client_for, manager, project):
    """The closure page's final review shows its finish dates as "j M Y", never ISO."""
    schedule_services.task_create(project=project, by=manager, name="Build", duration=5)
    closure_services.closure_start(project=project, by=manager)
    page = client_for(manager).get(reverse("reports:closure", args=[project.pk])).content.decode()
    review = page[page.index('id="review-kpis"') :]
    assert not ISO_DATE.search(review), ISO_DATE.search(review)
    assert re.search(r"<dd>\d{1,2} [A-Z][a-z]{2} 20\d\d</dd>", review)


@pytest.mark.django_db
def test_closure_open_items_link_to_what_is_open(client_for, manager, project):
    """An open computed item links to the register that holds what is open (here the issues)."""
    risk_services.issue_create(project=project, by=manager, title="Login outage")
    closure_services.closure_start(project=project, by=manager)
    page = client_for(manager).get(reverse("reports:closure", args=[project.pk])).content.decode()
    assert f'<a href="{reverse("risks:issues", args=[project.pk])}">Open the issue log</a>' in page


@pytest.mark.django_db
def test_closure_submit_counts_open_items_in_plain_words(project, manager, viewer):
    """Submitting with open items says "N checklist items", never "item(s)"."""
    closure = closure_services.closure_start(project=project, by=manager)
    sponsor = sponsor_of(project, viewer)
    with pytest.raises(Exception) as error:
        closure_services.closure_submit(closure=closure, by=manager, sponsor=sponsor)
    message = " ".join(error.value.messages)
    assert re.search(r"\d+ checklist items? still open", message)
    assert "item(s)" not in message


@pytest.mark.django_db
def test_communication_plan_without_stakeholders_links_to_the_register(
    client_for, manager, project
):
    """With an empty register, "Add stakeholders to the register first" links to it."""
    page = client_for(manager).get(reverse("stakeholders:communication", args=[project.pk]))
    register = reverse("stakeholders:register", args=[project.pk])
    assert (
        f'<a href="{register}">Add stakeholders to the register first</a>' in page.content.decode()
    )


@pytest.mark.django_db
def test_send_now_and_pdf_download_show_a_spinner(client_for, manager, project):
    """ "Send now" and "Download PDF" carry data-busy (charter.js spins them); no inline script."""
    report = status_report_build(project=project, by=manager)
    page = client_for(manager).get(reverse("reports:status_report", args=[project.pk, report.pk]))
    text = page.content.decode()
    assert re.search(r'<button type="submit" class="button primary" data-busy>\s*Send now', text)
    assert re.search(r'href="[^"]+pdf[^"]*" data-busy>Download PDF</a>', text)
    assert "<script>" not in text


@pytest.mark.django_db
def test_every_page_has_charters_favicon(client_for, manager, project):
    """The base layout links the SVG favicon, which is served from static/."""
    page = client_for(manager).get(reverse("projects:overview", args=[project.pk])).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_server_error_renders_charters_page_outside_the_api_and_json_under_it(settings):
    """A crash on a page renders templates/500.html in Charter's look; under /api/ it is JSON."""
    from projects.api.errors import server_error

    client = Client(raise_request_exception=False)
    page = server_error(client.get("/").wsgi_request)
    assert page.status_code == 500
    body = page.content.decode()
    assert "Something went wrong on our side" in body
    assert 'class="brand"' in body and "favicon.svg" in body
    api = server_error(client.get("/api/v1/").wsgi_request)
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
