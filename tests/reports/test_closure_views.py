"""Closure pages: the closure page (checklist, ticks with and without htmx, submit, reopen), the
closure report page and its PDF, and what each role sees."""

import pytest
from django.urls import reverse

from projects.models import Project
from reports.models import Closure
from reports.services import closure as services
from scheduling import services as schedule_services
from tests.reports.closure_support import sign_off, sponsor_of, tick_all

pytestmark = pytest.mark.django_db


def url(name, project, *args):
    return reverse(f"reports:{name}", args=[project.pk, *args])


def test_closure_page_before_start_offers_start_to_managers(project, manager, member, client_for):
    """Before closure a manager sees the start button; a member does not."""
    page = client_for(manager).get(url("closure", project))
    assert page.status_code == 200
    assert "Start closure" in page.content.decode()
    assert "Start closure" not in client_for(member).get(url("closure", project)).content.decode()


def test_closure_start_page(project, manager, member, client_for):
    """A manager starts the closure by POST; a member is refused with 403."""
    assert client_for(member).post(url("closure_start", project)).status_code == 403
    response = client_for(manager).post(url("closure_start", project))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
    page = client_for(manager).get(url("closure", project)).content.decode()
    assert "Checked by Charter" in page
    assert "No open issues in the issue log." in page


def test_closure_page_cancels_the_work_left(project, manager, member, client_for):
    """The page names the unfinished tasks; a manager cancels the work left with a reason (a
    member is refused 403) and the item reads as cancelled."""
    schedule_services.task_create(project=project, by=manager, name="Build", duration=5)
    services.closure_start(project=project, by=manager)
    page = client_for(manager).get(url("closure", project)).content.decode()
    assert "1 task not complete: Build (0 %)." in page
    assert "Cancel the work left" in page
    cancel = url("closure_work_cancel", project)
    assert client_for(member).post(cancel, {"reason": "x"}).status_code == 403
    response = client_for(manager).post(cancel, {"reason": "Descoped."}, follow=True)
    body = response.content.decode()
    assert "Work left cancelled by Maria Manager" in body and "Descoped." in body
    assert "Take the cancellation back" in body


def test_tick_plain_post_and_htmx(project, manager, client_for):
    """A tick works as a plain POST (redirect) and with htmx (the checklist fragment)."""
    closure = services.closure_start(project=project, by=manager)
    item = closure.items.get(title="Resources released")
    client = client_for(manager)
    response = client.post(
        url("closure_item", project, item.pk), {"done": "true", "note": "Back to pools"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.done, item.note) == (True, "Back to pools")
    response = client.post(
        url("closure_item", project, item.pk),
        {"done": "false", "version": item.version},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="checklist",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="checklist"')
    assert "<html" not in body
    item.refresh_from_db()
    assert not item.done


def test_tick_computed_item_shows_the_message(project, manager, client_for):
    """Ticking a computed item is refused next to it, with htmx and without."""
    closure = services.closure_start(project=project, by=manager)
    item = closure.items.get(rule="deliverables_accepted")
    client = client_for(manager)
    response = client.post(url("closure_item", project, item.pk), {"done": "true"})
    assert response.status_code == 400
    assert "decided by Charter" in response.content.decode()
    response = client.post(
        url("closure_item", project, item.pk),
        {"done": "true"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="checklist",
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "decided by Charter" in response.content.decode()


def test_tick_bad_input_is_400(project, manager, client_for):
    """Nonsense in a tick is a 400 with a message, never a 500."""
    closure = services.closure_start(project=project, by=manager)
    item = closure.items.filter(rule="").first()
    response = client_for(manager).post(
        url("closure_item", project, item.pk), {"done": "maybe", "version": "x"}
    )
    assert response.status_code == 400
    assert "Choose done or not done." in response.content.decode()


def test_submit_page_lists_open_items(project, manager, viewer, client_for):
    """Submitting with open items shows them next to the form; nothing is asked."""
    closure = services.closure_start(project=project, by=manager)
    sponsor = sponsor_of(project, viewer)
    response = client_for(manager).post(url("closure_submit", project), {"sponsor": sponsor.pk})
    assert response.status_code == 400
    assert "still open" in response.content.decode()
    closure.refresh_from_db()
    assert closure.status == Closure.Status.OPEN


def test_submit_page_asks_the_sponsor(project, manager, viewer, client_for):
    """With every item done, submitting asks the sponsor; the page shows the approval."""
    closure = services.closure_start(project=project, by=manager)
    tick_all(closure, manager)
    sponsor = sponsor_of(project, viewer)
    response = client_for(manager).post(
        url("closure_submit", project), {"sponsor": sponsor.pk, "note": "Please sign."}
    )
    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.status == Closure.Status.AWAITING_SIGN_OFF
    page = client_for(manager).get(url("closure", project)).content.decode()
    assert "Awaiting sign-off" in page
    assert "Vic Viewer" in page
    assert "Withdraw the submission" in page


def test_edit_narrative_stale_version(project, manager, client_for):
    """A stale narrative edit is refused with a form error."""
    closure = services.closure_start(project=project, by=manager)
    client = client_for(manager)
    ok = client.post(
        url("closure_edit", project),
        {"narrative": "It went well.", "pir_weeks": "6", "version": closure.version},
    )
    assert ok.status_code == 302
    stale = client.post(
        url("closure_edit", project),
        {"narrative": "Overwrite", "pir_weeks": "6", "version": closure.version},
    )
    assert stale.status_code == 400
    assert "Someone else changed" in stale.content.decode()
    closure.refresh_from_db()
    assert (closure.narrative, closure.pir_weeks) == ("It went well.", 6)


def test_closed_page_banner_and_reopen(project, manager, viewer, client_for):
    """A closed project's closure page says so, shows no tick forms, and offers reopen."""
    sign_off(project, manager, sponsor_of(project, viewer))
    page = client_for(manager).get(url("closure", project)).content.decode()
    assert "— read-only" in page
    assert "Mark as done" not in page
    assert "Reopen the project" in page
    assert (
        "Reopen the project" not in client_for(viewer).get(url("closure", project)).content.decode()
    )
    response = client_for(manager).post(url("closure_reopen", project), {"reason": ""})
    assert response.status_code == 400
    response = client_for(manager).post(url("closure_reopen", project), {"reason": "Audit"})
    assert response.status_code == 302
    page = client_for(manager).get(url("closure", project)).content.decode()
    assert "Audit" in page
    assert "Reopened" in page


def test_report_page_and_pdf(project, manager, viewer, client_for):
    """The report is a page and a PDF; once signed off it is the frozen one."""
    sign_off(project, manager, sponsor_of(project, viewer))
    page = client_for(viewer).get(url("closure_report", project))
    assert page.status_code == 200
    assert "As submitted for sign-off" in page.content.decode()
    pdf = client_for(viewer).get(url("closure_report_pdf", project))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_report_before_start_is_404(project, manager, client_for):
    """There is no report before the closure starts."""
    assert client_for(manager).get(url("closure_report", project)).status_code == 404


def test_closure_page_outsider_404(project, outsider, client_for):
    """A non-member does not see the closure at all."""
    assert client_for(outsider).get(url("closure", project)).status_code == 404


def test_closure_page_query_count(project, manager, client_for, django_assert_max_num_queries):
    """The closure page reads in a bounded number of queries however long the checklist."""
    closure = services.closure_start(project=project, by=manager)
    tick_all(closure, manager)
    with django_assert_max_num_queries(60):
        assert client_for(manager).get(url("closure", project)).status_code == 200
