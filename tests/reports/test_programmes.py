"""Programmes: membership and project rules, and the roll-up's figures against a hand
calculation (earned value summed, never averaged; currencies converted at entered rates, a
missing rate shown as missing)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from projects.models import ProgrammeMembership
from projects.programmes import get_programme_for, programmes_for
from projects.services.programmes import (
    exchange_rate_set,
    programme_create,
    programme_member_add,
    programme_member_remove,
    programme_project_add,
    programme_project_remove,
)
from reports.models import KpiSnapshot
from reports.selectors.programmes import programme_rollup
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


def snapshot(project, **figures):
    values = {
        "as_of": DAY,
        "health": "green",
        "health_schedule": "green",
        "health_cost": "green",
        "health_scope": "green",
        "health_risk": "green",
        "health_reasons": {"overall": "All on track."},
    }
    values.update({name: Decimal(str(value)) for name, value in figures.items()})
    return KpiSnapshot.objects.create(project=project, **values)


@pytest.fixture
def pmo():
    return UserFactory(username="pmo")


@pytest.fixture
def programme(pmo):
    return programme_create(by=pmo, name="Cloud move", key="CLOUDPGM", currency="EUR")


def test_the_creator_manages_the_programme_and_others_do_not_see_it(programme, pmo):
    stranger = UserFactory()
    assert get_programme_for(pmo, programme.pk, manage=True) == programme
    with pytest.raises(Http404):
        get_programme_for(stranger, programme.pk)
    assert list(programmes_for(stranger)) == []


def test_a_project_belongs_to_at_most_one_programme_and_only_its_manager_puts_it_in(programme, pmo):
    member = UserFactory()
    project = project_with(manager=pmo, member=member)
    with pytest.raises(PermissionDenied):
        programme_project_add(programme=programme, project=project, by=member)
    programme_project_add(programme=programme, project=project, by=pmo)
    other = programme_create(by=pmo, name="Other", key="OTHERPGM")
    with pytest.raises(ValidationError, match="at most one"):
        programme_project_add(programme=other, project=project, by=pmo)
    programme_project_remove(programme=programme, project=project, by=pmo)
    programme_project_add(programme=other, project=project, by=pmo)
    project.refresh_from_db()
    assert project.programme == other


def test_members_come_from_colleagues_and_the_last_manager_stays(programme, pmo):
    colleague = UserFactory(username="cara")
    project_with(manager=pmo, member=colleague)
    UserFactory(username="stranger")
    added = programme_member_add(programme=programme, by=pmo, username="CARA")
    assert added.user == colleague and added.role == ProgrammeMembership.Role.MEMBER
    with pytest.raises(ValidationError) as unknown:
        programme_member_add(programme=programme, by=pmo, username="stranger")
    with pytest.raises(ValidationError) as missing:
        programme_member_add(programme=programme, by=pmo, username="nobody-at-all")
    # The same words whether the account exists or not: no user directory.
    assert str(unknown.value).replace("stranger", "X") == str(missing.value).replace(
        "nobody-at-all", "X"
    )
    manager = programme.memberships.get(user=pmo)
    with pytest.raises(ValidationError, match="last manager"):
        programme_member_remove(membership=manager, by=pmo)


def test_exchange_rates_are_positive_and_between_two_currencies(pmo):
    with pytest.raises(ValidationError):
        exchange_rate_set(
            by=pmo, source="USD", target="EUR", rate=Decimal("-1"), effective_from=DAY
        )
    with pytest.raises(ValidationError):
        exchange_rate_set(by=pmo, source="EUR", target="EUR", rate=Decimal("1"), effective_from=DAY)
    entry = exchange_rate_set(
        by=pmo, source="USD", target="EUR", rate=Decimal("0.9"), effective_from=DAY
    )
    again = exchange_rate_set(
        by=pmo, source="USD", target="EUR", rate=Decimal("0.92"), effective_from=DAY
    )
    assert again.pk == entry.pk and again.rate == Decimal("0.92")


def test_rollup_sums_earned_value_and_converts_currencies(programme, pmo):
    """Worked example, programme in EUR on 2 March 2026:

    A (EUR): PV 100,000  EV  50,000  AC  60,000  → SPI 0.50, CPI 0.8333
    B (USD): PV  20,000  EV  20,000  AC  10,000  → SPI 1.00, CPI 2.00; 1 USD = 0.90 EUR
             in EUR: PV 18,000, EV 18,000, AC 9,000 (a rate from 1 Feb; a later one, from
             1 April, is not yet effective)
    C (GBP): no rate to EUR → shown as missing, left out of the sums.

    Programme: ΣPV 118,000, ΣEV 68,000, ΣAC 69,000 → SPI 68/118 = 0.5763,
    CPI 68/69 = 0.9855. The averages of the projects' own indices (SPI 0.75, CPI 1.4167)
    would say otherwise."""
    a = project_with(manager=pmo)
    b = project_with(manager=pmo)
    c = project_with(manager=pmo)
    b.currency, c.currency = "USD", "GBP"
    b.save(update_fields=["currency"])
    c.save(update_fields=["currency"])
    for project in (a, b, c):
        programme_project_add(programme=programme, project=project, by=pmo)
    snapshot(a, bac=200000, pv=100000, ev=50000, ac=60000, eac=240000, spi=0.5, cpi=0.8333)
    snapshot(b, bac=40000, pv=20000, ev=20000, ac=10000, eac=20000, spi=1, cpi=2)
    snapshot(c, bac=10000, pv=5000, ev=5000, ac=5000, eac=10000, spi=1, cpi=1)
    exchange_rate_set(
        by=pmo,
        source="USD",
        target="EUR",
        rate=Decimal("0.90"),
        effective_from=datetime.date(2026, 2, 1),
    )
    exchange_rate_set(
        by=pmo,
        source="USD",
        target="EUR",
        rate=Decimal("0.50"),
        effective_from=datetime.date(2026, 4, 1),
    )

    rollup = programme_rollup(programme, pmo, as_of=DAY)

    assert rollup.totals["pv"] == Decimal("118000.00")
    assert rollup.totals["ev"] == Decimal("68000.00")
    assert rollup.totals["ac"] == Decimal("69000.00")
    assert rollup.totals["bac"] == Decimal("236000.00")
    assert rollup.spi == Decimal("0.5763")
    assert rollup.cpi == Decimal("0.9855")
    assert rollup.missing_rates == ["GBP"] and rollup.counted == 2
    by_key = {row.project.key: row for row in rollup.rows}
    assert by_key[b.key].figures["pv"] == Decimal("18000.00")
    assert by_key[c.key].rate is None and by_key[c.key].figures["pv"] is None


def test_a_reverse_rate_is_used_inverted(programme, pmo):
    project = project_with(manager=pmo)
    project.currency = "USD"
    project.save(update_fields=["currency"])
    programme_project_add(programme=programme, project=project, by=pmo)
    snapshot(project, pv=1000, ev=1000, ac=1000, bac=1000, eac=1000)
    exchange_rate_set(by=pmo, source="EUR", target="USD", rate=Decimal("1.25"), effective_from=DAY)
    rollup = programme_rollup(programme, pmo, as_of=DAY)
    assert rollup.totals["pv"] == Decimal("800.00") and rollup.missing_rates == []


def test_a_programme_member_sees_figures_but_no_milestones_or_risks_of_foreign_projects(
    programme, pmo, django_assert_max_num_queries
):
    reader = UserFactory()
    mine = project_with(manager=pmo, viewer=reader)
    foreign = project_with(manager=pmo)
    for project in (mine, foreign):
        programme_project_add(programme=programme, project=project, by=pmo)
        snapshot(project, pv=10, ev=10, ac=10, bac=10, eac=10)
    ProgrammeMembership.objects.create(programme=programme, user=reader)
    with django_assert_max_num_queries(6):
        rollup = programme_rollup(programme, reader, as_of=DAY)
    visible = {row.project.key: row.visible for row in rollup.rows}
    assert visible == {mine.key: True, foreign.key: False}
    assert all(task.project_id == mine.pk for task in rollup.milestones)
    assert all(risk.project_id == mine.pk for risk in rollup.risks)


# --- pages ----------------------------------------------------------------------------------------


def test_a_person_creates_a_programme_adds_a_project_and_reads_the_rollup(client_for, pmo):
    project = project_with(manager=pmo)
    snapshot(project, pv=1000, ev=900, ac=1200, bac=5000, eac=6000, spi=0.9, cpi=0.75)
    client = client_for(pmo)
    created = client.post(
        "/programmes/", {"name": "Cloud move", "key": "cloudpgm", "currency": "EUR"}
    )
    programme = programmes_for(pmo).get(key="CLOUDPGM")
    assert created.status_code == 302 and created["Location"].endswith(
        f"/programmes/{programme.pk}/settings/"
    )
    settings_page = client.get(created["Location"]).content.decode()
    assert f'value="{project.pk}"' in settings_page  # offered: a project I manage
    added = client.post(f"/programmes/{programme.pk}/projects/", {"project": project.pk})
    assert added.status_code == 302
    page = client.get(f"/programmes/{programme.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert project.key in text and project.get_absolute_url() in text
    assert "0.75" in text and "0.90" in text  # the programme's CPI and SPI from the sums


def test_a_bad_key_and_a_stale_edit_are_told_not_saved(client_for, programme, pmo):
    client = client_for(pmo)
    refused = client.post("/programmes/", {"name": "X", "key": "1bad", "currency": "EUR"})
    assert refused.status_code == 200 and "field-error" in refused.content.decode()
    stale = client.post(
        f"/programmes/{programme.pk}/settings/",
        {"name": "Renamed", "key": "CLOUDPGM", "currency": "EUR", "version": programme.version - 1},
    )
    assert stale.status_code == 400 and "Someone else changed" in stale.content.decode()
    programme.refresh_from_db()
    assert programme.name == "Cloud move"


def test_programme_pages_are_404_to_non_members_and_settings_403_to_members(
    client_for, programme, pmo
):
    project = project_with(manager=pmo)
    programme_project_add(programme=programme, project=project, by=pmo)
    member = UserFactory()
    ProgrammeMembership.objects.create(programme=programme, user=member)
    outsider = UserFactory()
    membership = programme.memberships.get(user=pmo)
    reads = [f"/programmes/{programme.pk}/"]
    writes = [
        f"/programmes/{programme.pk}/settings/",
        f"/programmes/{programme.pk}/delete/",
        f"/programmes/{programme.pk}/members/",
        f"/programmes/{programme.pk}/members/{membership.pk}/remove/",
        f"/programmes/{programme.pk}/projects/",
        f"/programmes/{programme.pk}/projects/{project.pk}/remove/",
    ]
    for url in reads + writes:
        assert client_for(outsider).get(url).status_code in (404, 405), url
        assert client_for(outsider).post(url).status_code == 404, url
    assert client_for(member).get(reads[0]).status_code == 200
    for url in writes:
        assert client_for(member).post(url).status_code == 403, url
    # Nothing was changed by any of them.
    assert programmes_for(pmo).filter(pk=programme.pk).exists()
    assert programme.memberships.count() == 2
    project.refresh_from_db()
    assert project.programme_id == programme.pk


def test_a_programme_member_sees_the_row_but_not_the_project(client_for, programme, pmo):
    """The one exception of DESIGN §3: the roll-up's row (name, key, health, dates, figures),
    with no link, while every page of the project stays 404."""
    project = project_with(manager=pmo)
    programme_project_add(programme=programme, project=project, by=pmo)
    snapshot(project, pv=10, ev=10, ac=10, bac=10, eac=10)
    reader = UserFactory()
    ProgrammeMembership.objects.create(programme=programme, user=reader)
    client = client_for(reader)
    text = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert project.key in text and project.name in text
    assert project.get_absolute_url() not in text
    assert client.get(project.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code in (401, 403, 404)


def test_the_dashboard_groups_projects_by_programme(client_for, programme, pmo):
    """Programmes by key, then the projects in none; the grouping is kept in the URL."""
    first = project_with(manager=pmo)
    second = project_with(manager=pmo)
    loose = project_with(manager=pmo)
    other = programme_create(by=pmo, name="Another", key="APGM")
    programme_project_add(programme=programme, project=first, by=pmo)
    programme_project_add(programme=other, project=second, by=pmo)
    response = client_for(pmo).get("/", {"group": "programme"})
    rows = [(row.project.key, row.group) for row in response.context["rows"]]
    assert rows == [
        (second.key, "APGM · Another"),
        (first.key, "CLOUDPGM · Cloud move"),
        (loose.key, "No programme"),
    ]
    assert "group=programme" in response.content.decode()


# --- the weekly programme status report -----------------------------------------------------------


def test_weekly_report_reaches_each_member_once_with_their_own_view(
    programme, pmo, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """Over real SMTP: one message per member and week (a second run sends nothing); each
    member's copy shows every project's row, and milestones only of their own projects."""
    from reports.services.programme_report import programme_reports_send
    from scheduling.models import Task

    mine = project_with(manager=pmo)
    foreign = project_with(manager=pmo)
    for project in (mine, foreign):
        programme_project_add(programme=programme, project=project, by=pmo)
        snapshot(project, pv=100, ev=50, ac=50, bac=100, eac=100)
    Task.objects.create(
        project=foreign,
        name="Secret cut-over",
        duration=0,
        start_date=DAY,
        finish_date=DAY,
    )
    reader = UserFactory(username="reader", email="reader@example.com")
    ProgrammeMembership.objects.create(programme=programme, user=reader)
    with django_capture_on_commit_callbacks(execute=True):
        assert programme_reports_send(today=DAY) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert programme_reports_send(today=DAY) == 0
    messages = {tuple(to): message for to, message in smtp_server.messages}
    assert set(messages) == {("pmo@example.com",), ("reader@example.com",)}
    reader_text = messages[("reader@example.com",)].get_body(("plain",)).get_content()
    pmo_text = messages[("pmo@example.com",)].get_body(("plain",)).get_content()
    assert "[CLOUDPGM] Programme status" in messages[("reader@example.com",)]["Subject"]
    assert mine.key in reader_text and foreign.key in reader_text
    assert "SPI (ΣEV ÷ ΣPV): 0.50" in reader_text
    assert "Secret cut-over" not in reader_text and "Secret cut-over" in pmo_text


def test_programme_finish_is_the_product_of_its_projects_chances(programme, pmo):
    """Worked example (independent projects: no dependency links them):

    A finishes by 2 Mar in 40 % of its runs, by 9 Mar in all; B by 3 Mar in 50 %, by 10 Mar
    in all. The programme (both finished) by 2 Mar: 0.4 × 0 = 0 %; by 3 Mar: 0.4 × 0.5 = 20 %;
    by 9 Mar: 1 × 0.5 = 50 %; by 10 Mar: 100 %. So P50 = 9 Mar, P80 = P90 = 10 Mar. A meets its
    target in 80 % of runs and B in 50 %: every target met in 0.8 × 0.5 = 40 %. C has no
    forecast and is named as left out."""
    from reports.selectors.programmes import programme_forecast
    from risks.models import ForecastRun

    a, b, c = (project_with(manager=pmo) for _ in range(3))
    for project in (a, b, c):
        programme_project_add(programme=programme, project=project, by=pmo)

    def run(project, points, chance):
        curve = [{"index": i, "date": day, "percent": pct} for i, (day, pct) in enumerate(points)]
        ForecastRun.objects.create(
            project=project,
            number=1,
            seed=1,
            status=ForecastRun.Status.DONE,
            results={"s_curve": curve},
            target_finish=project.target_finish,
            p_target_finish=chance,
        )

    run(a, [("2026-03-02", 40), ("2026-03-09", 100)], 0.8)
    run(b, [("2026-03-03", 50), ("2026-03-10", 100)], 0.5)
    forecast = programme_forecast(programme)
    day = datetime.date
    assert forecast.curve == [
        (day(2026, 3, 2), 0.0),
        (day(2026, 3, 3), 20.0),
        (day(2026, 3, 9), 50.0),
        (day(2026, 3, 10), 100.0),
    ]
    assert forecast.percentiles == {
        50: day(2026, 3, 9),
        80: day(2026, 3, 10),
        90: day(2026, 3, 10),
    }
    assert forecast.p_all_targets == pytest.approx(0.4)
    assert forecast.covered == sorted([a.key, b.key]) and forecast.missing == [c.key]


def test_projects_that_wait_for_each_other_are_simulated_together(programme, pmo, eager_tasks):
    """Worked example: CLOUD's Build (5–20 working days, most likely 10) → SOC's Audit (exactly
    5 days), FS across the two projects. Together the programme finishes 5 working days after
    the build in every run, so its s-curve is exactly that of the same two tasks linked inside
    one project (same draws); counted as independent it would not be: SOC's own forecast holds
    the audit to the build's *planned* finish and never sees the build slip."""
    from reports.selectors.programmes import programme_forecast
    from risks.services.forecast import finish_date, forecast_inputs
    from risks.services.programme_forecast import simulate_group
    from risks.simulation import simulate
    from scheduling import services as schedule_services
    from scheduling.services import external

    def build_and_audit(project, audit_project):
        build = schedule_services.task_create(
            project=project,
            by=pmo,
            name="Build",
            duration=10,
            optimistic_duration=5,
            most_likely_duration=10,
            pessimistic_duration=20,
        )
        audit = schedule_services.task_create(
            project=audit_project,
            by=pmo,
            name="Audit",
            duration=5,
            optimistic_duration=5,
            most_likely_duration=5,
            pessimistic_duration=5,
        )
        return build, audit

    alone = project_with(manager=pmo)
    build, audit = build_and_audit(alone, alone)
    schedule_services.dependency_add(project=alone, by=pmo, predecessor=build, successor=audit)
    inputs = forecast_inputs(alone)
    reference = simulate(inputs.tasks, inputs.links, iterations=2_000, seed=0)
    expected = [
        (finish_date(inputs.calendar, index).isoformat(), round(percent, 2))
        for index, percent in zip(
            reference.finish_indexes, reference.finish_cumulative, strict=True
        )
    ]

    cloud, soc = project_with(manager=pmo), project_with(manager=pmo)
    build, audit = build_and_audit(cloud, soc)
    external.external_dependency_add(project=soc, by=pmo, predecessor=build, successor=audit)
    assert simulate_group([cloud.pk, soc.pk])["curve"] == expected
    assert len(expected) > 5  # the build's spread reaches the programme's finish

    for project in (cloud, soc):
        programme_project_add(programme=programme, project=project, by=pmo)
    first = programme_forecast(programme)
    assert first.pending == [[cloud.key, soc.key]] and first.linked == []
    ready = programme_forecast(programme)  # the worker has run (in-process here)
    assert ready.linked == [[cloud.key, soc.key]] and ready.pending == []
    assert ready.covered == sorted([cloud.key, soc.key]) and ready.missing == []
    assert [(day.isoformat(), percent) for day, percent in ready.curve] == expected
