"""The closure API: the singleton state, start, PATCH with a version, ticking items, submit,
withdraw, reopen and the review, with the roles and errors DESIGN §5 promises."""

import pytest

from projects.models import Project
from reports.models import Closure
from scheduling import services as schedule_services
from tests.reports.closure_support import sign_off, sponsor_of

pytestmark = pytest.mark.django_db


def base(project):
    return f"/api/v1/projects/{project.pk}/closure/"


def test_closure_api_before_start(api_for, viewer, project):
    """Before start, the closure reads with status null and the final review."""
    body = api_for(viewer).get(base(project)).json()
    assert body["status"] is None
    assert body["items"] == []
    assert body["final_review"]["scope"] == {"deliverables_total": 0, "deliverables_accepted": 0}


def test_closure_api_start_is_idempotent_and_manager_only(api_for, manager, member, project):
    """A manager starts (201), again is 200 with the same items; a member gets 403."""
    assert api_for(member).post(base(project) + "start/").status_code == 403
    client = api_for(manager)
    first = client.post(base(project) + "start/")
    assert first.status_code == 201
    again = client.post(base(project) + "start/")
    assert again.status_code == 200
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in first.json()["items"]]
    assert again.json()["status"] == "open"
    assert again.json()["stage"] == "closing"
    computed = [i for i in first.json()["items"] if i["computed"]]
    assert {i["rule"] for i in computed} == {
        "work_complete",
        "deliverables_accepted",
        "issues_closed",
        "change_requests_decided",
        "commitments_closed",
    }
    assert all(i["done"] for i in computed)  # an empty project has nothing open
    assert computed[0]["detail"] == "No tasks are recorded."


def test_closure_api_start_answers_the_stage_after_the_write(api_for, manager, project):
    """Starting answers with stage closing, the very state a GET reads right after."""
    assert project.stage != Project.Stage.CLOSING
    client = api_for(manager)
    started = client.post(base(project) + "start/").json()
    assert started["stage"] == "closing"
    assert started["stage"] == client.get(base(project)).json()["stage"]


def test_closure_api_patch_with_version(api_for, manager, project):
    """PATCH edits the narrative with a version; a stale version is 409; bad weeks 400."""
    client = api_for(manager)
    version = client.post(base(project) + "start/").json()["version"]
    ok = client.patch(base(project), {"narrative": "Done well.", "version": version}, format="json")
    assert ok.status_code == 200
    assert ok.json()["narrative"] == "Done well."
    stale = client.patch(base(project), {"narrative": "x", "version": version}, format="json")
    assert stale.status_code == 409
    bad = client.patch(base(project), {"pir_weeks": 0}, format="json")
    assert bad.status_code == 400
    assert "pir_weeks" in bad.json()


def test_closure_api_patch_before_start_is_404(api_for, manager, project):
    """Editing a closure that has not started is 404 with a message."""
    response = api_for(manager).patch(base(project), {"narrative": "x"}, format="json")
    assert response.status_code == 404
    assert "has not started" in response.json()["detail"]


def test_closure_api_items(api_for, manager, member, project):
    """Members tick manual items via PATCH done; computed items refuse with 400."""
    items = api_for(manager).post(base(project) + "start/").json()["items"]
    manual = next(i for i in items if not i["computed"])
    computed = next(i for i in items if i["computed"])
    client = api_for(member)
    url = f"{base(project)}items/{manual['id']}/"
    response = client.patch(url, {"done": True, "note": "Archived in SharePoint"}, format="json")
    assert response.status_code == 200
    assert (response.json()["done"], response.json()["note"]) == (True, "Archived in SharePoint")
    refused = client.patch(
        f"{base(project)}items/{computed['id']}/", {"done": False}, format="json"
    )
    assert refused.status_code == 400
    assert "decided by Charter" in refused.json()["done"][0]
    assert client.patch(url, {"note": "only"}, format="json").status_code == 400
    listed = client.get(f"{base(project)}items/").json()
    assert len(listed) == len(items)


def test_closure_api_submit_and_sign_off(api_for, manager, viewer, project):
    """Submit with open items is 400 naming them; with all done the sponsor is asked; the
    sponsor's approval closes the project."""
    client = api_for(manager)
    items = client.post(base(project) + "start/").json()["items"]
    sponsor = sponsor_of(project, viewer)
    refused = client.post(base(project) + "submit/", {"sponsor": sponsor.pk}, format="json")
    assert refused.status_code == 400
    assert "still open" in refused.json()["checklist"][0]
    for item in items:
        if not item["computed"]:
            client.patch(f"{base(project)}items/{item['id']}/", {"done": True}, format="json")
    body = client.post(base(project) + "submit/", {"sponsor": sponsor.pk}, format="json").json()
    assert body["status"] == "awaiting_sign_off"
    approval = body["approval"]
    assert approval["approver"] == viewer.pk
    decided = api_for(viewer).post(
        f"/api/v1/projects/{project.pk}/approvals/{approval['id']}/decide/",
        {"decision": "approved"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    state = api_for(viewer).get(base(project)).json()
    assert (state["status"], state["stage"]) == ("signed_off", "closed")
    assert state["post_implementation_review"]["due_on"]


def test_closure_api_cancel_work_left(api_for, manager, member, project):
    """A manager cancels the work left with a reason (the work item turns done); a member gets
    403; without a reason it is a 400; cancel false takes it back."""
    schedule_services.task_create(project=project, by=manager, name="Build", duration=5)
    api_for(manager).post(base(project) + "start/")
    url = base(project) + "cancel-work/"
    assert api_for(member).post(url, {"reason": "x"}, format="json").status_code == 403
    client = api_for(manager)
    refused = client.post(url, {"reason": ""}, format="json")
    assert refused.status_code == 400
    assert "Say why" in refused.json()["reason"][0]
    body = client.post(url, {"reason": "Descoped."}, format="json").json()
    work = next(i for i in body["items"] if i["rule"] == "work_complete")
    assert work["done"] and "Descoped." in work["detail"]
    body = client.post(url, {"cancel": False}, format="json").json()
    work = next(i for i in body["items"] if i["rule"] == "work_complete")
    assert not work["done"] and work["detail"].startswith("1 task not complete: Build (0 %).")


def test_closure_api_signed_off_project_kpis_are_final(api_for, manager, viewer, project):
    """After sign-off the KPI endpoint serves the frozen snapshot, marked final."""
    sign_off(project, manager, sponsor_of(project, viewer))
    body = api_for(viewer).get(f"/api/v1/projects/{project.pk}/kpis/").json()
    assert body["is_final"] is True
    assert body["as_of"] == project.today().isoformat()


def test_closure_api_submit_bad_sponsor(api_for, manager, outsider, project):
    """A sponsor id from elsewhere, or a non-member approver, is 400 with a message."""
    client = api_for(manager)
    client.post(base(project) + "start/")
    other = sponsor_of(outsider.memberships.get().project, outsider)
    response = client.post(base(project) + "submit/", {"sponsor": other.pk}, format="json")
    assert response.status_code == 400
    response = client.post(base(project) + "submit/", {"approver": outsider.pk}, format="json")
    assert response.status_code == 400
    assert "not a member" in response.json()["approver"][0]
    assert client.post(base(project) + "submit/", {}, format="json").status_code == 400


def test_closure_api_reopen_and_review(api_for, manager, member, viewer, project):
    """On a closed project the review and a manager's reopen work; other writes are 403."""
    sign_off(project, manager, sponsor_of(project, viewer))
    client = api_for(manager)
    assert client.patch(base(project), {"narrative": "x"}, format="json").status_code == 403
    review = client.post(
        base(project) + "review/",
        {"held_on": "2026-01-05", "summary": "On track.", "benefits": []},
        format="json",
    )
    assert review.status_code == 200, review.json()
    assert review.json()["post_implementation_review"]["summary"] == "On track."
    assert api_for(member).post(base(project) + "reopen/", {"reason": "x"}).status_code == 403
    client = api_for(manager)
    assert client.post(base(project) + "reopen/", {"reason": ""}).status_code == 400
    response = client.post(base(project) + "reopen/", {"reason": "Audit finding"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["stage"]) == ("open", "closing")
    project.refresh_from_db()
    assert project.stage == Project.Stage.CLOSING
    assert Closure.objects.get(project=project).status == Closure.Status.OPEN
