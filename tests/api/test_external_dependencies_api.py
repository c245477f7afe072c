"""Links between projects through the API: ``POST …/dependencies/`` takes a predecessor of
another project the caller can see (DESIGN §5); ``…/external-dependencies/`` lists, changes and
removes them; a reader who may not see the other project reads no name, key, id or date."""

import datetime

import pytest

from scheduling import services
from scheduling.models import ExternalDependency
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

D = datetime.date


def url(project, resource: str, pk: int | None = None) -> str:
    return f"/api/v1/projects/{project.pk}/{resource}/" + (f"{pk}/" if pk else "")


@pytest.fixture
def setting(db):
    """Pam manages CLOUD and SOC; Sam is a member of SOC only. CLOUD's Build (5 d), SOC's Audit
    (3 d), both projects from Monday 5 Jan 2026."""
    pam, sam = UserFactory(username="pam"), UserFactory(username="sam")
    cloud = project_with(manager=pam)
    soc = project_with(manager=pam, member=sam)
    for project, key in ((cloud, "CLOUD"), (soc, "SOC")):
        project.key, project.start_date = key, D(2026, 1, 5)
        project.save()
    build = services.task_create(project=cloud, by=pam, name="Build VPC", duration=5)
    audit = services.task_create(project=soc, by=pam, name="Audit", duration=3)
    return {"pam": pam, "sam": sam, "cloud": cloud, "soc": soc, "build": build, "audit": audit}


def link(api_for, s, **extra):
    body = {"predecessor": s["build"].pk, "successor": s["audit"].pk, "type": "FS", **extra}
    return api_for(s["pam"]).post(url(s["soc"], "dependencies"), body, format="json")


def test_a_predecessor_of_another_project_makes_an_external_link(api_for, setting):
    response = link(api_for, setting, lag=1)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["external"] is True
    assert body["predecessor"] == setting["build"].pk
    assert body["predecessor_project"] == "CLOUD"
    assert body["predecessor_label"] == f"CLOUD-{setting['build'].ref} “Build VPC”"
    assert body["predecessor_finish"] == "2026-01-09"
    assert body["schedule"]["finish"] == "2026-01-15"  # Tue 13 (one day's lag) to Thu 15
    task = api_for(setting["pam"]).get(url(setting["soc"], "tasks", setting["audit"].pk)).json()
    assert (task["start_date"], task["finish_date"]) == ("2026-01-13", "2026-01-15")


def test_a_member_who_cannot_see_the_other_project_reads_no_access(api_for, setting):
    link(api_for, setting)
    rows = api_for(setting["sam"]).get(url(setting["soc"], "external-dependencies")).json()
    [row] = rows["results"]
    assert row["predecessor"] is None
    assert row["predecessor_project"] is None
    assert row["predecessor_label"] == "External dependency (no access)"
    assert row["predecessor_start"] is None and row["predecessor_finish"] is None
    assert "CLOUD" not in str(rows) and "Build" not in str(rows)


def test_sam_cannot_link_a_task_of_a_project_he_cannot_see(api_for, setting):
    body = {"predecessor": setting["build"].pk, "successor": setting["audit"].pk}
    response = api_for(setting["sam"]).post(url(setting["soc"], "dependencies"), body)
    assert response.status_code == 400
    assert response.json()["predecessor"] == [
        f"There is no task {setting['build'].pk} in a project you can see."
    ]
    assert not ExternalDependency.objects.exists()


def test_a_loop_of_projects_is_a_400_naming_it(api_for, setting):
    assert link(api_for, setting).status_code == 201
    body = {"predecessor": setting["audit"].pk, "successor": setting["build"].pk}
    response = api_for(setting["pam"]).post(url(setting["cloud"], "dependencies"), body)
    assert response.status_code == 400
    assert response.json()["predecessor"] == [
        "This link would make a loop of projects: SOC → CLOUD → SOC. "
        "CLOUD would wait for SOC, which already waits for it."
    ]
    assert ExternalDependency.objects.count() == 1


def test_change_with_a_stale_version_is_409_and_remove_reschedules(api_for, setting):
    created = link(api_for, setting).json()
    client = api_for(setting["pam"])
    where = url(setting["soc"], "external-dependencies", created["id"])
    changed = client.patch(where, {"lag": 2, "version": created["version"]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["schedule"]["finish"] == "2026-01-16"
    stale = client.patch(where, {"lag": 3, "version": created["version"]}, format="json")
    assert stale.status_code == 409
    assert client.delete(where).status_code == 204
    task = client.get(url(setting["soc"], "tasks", setting["audit"].pk)).json()
    assert task["finish_date"] == "2026-01-07"


def test_a_non_member_gets_404(api_for, setting, outsider):
    created = link(api_for, setting).json()
    client = api_for(outsider)
    assert client.get(url(setting["soc"], "external-dependencies")).status_code == 404
    where = url(setting["soc"], "external-dependencies", created["id"])
    assert client.delete(where).status_code == 404
    assert ExternalDependency.objects.count() == 1


def test_the_list_reads_in_a_fixed_number_of_queries(
    api_for, setting, django_assert_max_num_queries
):
    pam = setting["pam"]
    for n in range(5):
        successor = services.task_create(project=setting["soc"], by=pam, name=f"T{n}", duration=1)
        body = {"predecessor": setting["build"].pk, "successor": successor.pk}
        assert api_for(pam).post(url(setting["soc"], "dependencies"), body).status_code == 201
    client = api_for(pam)
    with django_assert_max_num_queries(8):
        response = client.get(url(setting["soc"], "external-dependencies"))
    assert response.json()["count"] == 5


def test_the_schedule_says_while_the_project_waits_for_the_worker(
    api_for, setting, django_capture_on_commit_callbacks
):
    link(api_for, setting)
    schedule = api_for(setting["pam"]).get(url(setting["soc"], "schedule")).json()
    assert schedule["waiting"] is None
    with django_capture_on_commit_callbacks(execute=False):
        services.task_update(task=setting["build"], by=setting["pam"], version=None, duration=7)
    schedule = api_for(setting["pam"]).get(url(setting["soc"], "schedule")).json()
    assert schedule["waiting"] == "Waiting for CLOUD to recompute: dates here may still move."
    schedule = api_for(setting["sam"]).get(url(setting["soc"], "schedule")).json()
    assert schedule["waiting"] == (
        "Waiting for another project to recompute: dates here may still move."
    )
