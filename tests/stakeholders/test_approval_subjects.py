"""Stage gates, approved in stakeholders but owned by scheduling (beside it), reach the approvals
page and API through the subject registry (projects.approval_subjects), not by model label."""

import pytest

from scheduling import services as scheduling_services
from stakeholders.models import Approval

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase(project, manager):
    return scheduling_services.phase_create(project=project, by=manager, name="Design stage")


def test_the_approvals_page_offers_and_asks_for_a_stage_gate(
    client_for, project, manager, viewer, phase
):
    """The request form lists the project's phases as stage gates, and asking for one works."""
    client = client_for(manager)
    page = f"/projects/{project.pk}/approvals/"
    choices = dict(client.get(page).context["form"].fields["subject"].choices)
    assert choices[f"phase-{phase.pk}"] == "Stage gate: Stage gate “Design stage”"
    response = client.post(page, {"subject": f"phase-{phase.pk}", "approver": viewer.pk})
    assert response.status_code == 302
    approval = Approval.objects.get()
    assert approval.kind == Approval.Kind.STAGE_GATE and approval.subject == phase


def test_the_api_asks_for_a_stage_gate_of_this_project_only(
    api_for, project, manager, viewer, outsider, phase
):
    """kind stage_gate takes a phase id of the project; another project's phase is a 400."""
    api = api_for(manager)
    url = f"/api/v1/projects/{project.pk}/approvals/"
    other = outsider.memberships.get().project
    theirs = scheduling_services.phase_create(project=other, by=outsider, name="Theirs")
    refused = api.post(url, {"kind": "stage_gate", "subject_id": theirs.pk, "approver": viewer.pk})
    assert refused.status_code == 400 and "subject_id" in refused.json()
    response = api.post(url, {"kind": "stage_gate", "subject_id": phase.pk, "approver": viewer.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["subject_label"] == "stage gate “Design stage”"
