"""Budget reconciliation: budget lines vs the approved budget vs the task costs, each difference
said in words, on its page in the budget area and in the budget API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import selectors, services
from budgets.reconciliation import reconcile
from projects.money import money
from scheduling import services as schedule_services

M = Decimal


def _eur(amount: Decimal) -> str:
    return money(amount, "EUR", places=0)


def test_reconcile_says_which_total_exceeds_which_and_by_how_much():
    """Lines of €34,000 beside an approved budget of €15,600 exceed it by €18,400."""
    result = reconcile(
        lines=M("34000"),
        reserves=M("0"),
        approved=M("15600"),
        task_costs=M("15600"),
        tasks_without_cost=0,
        money=_eur,
    )
    sentences = {d.key: d.sentence for d in result.differences}
    assert sentences == {
        "lines_vs_approved": "Budget lines exceed the approved budget by €18,400.",
        "tasks_vs_approved": "Task costs match the approved budget.",
        "lines_vs_tasks": "Budget lines exceed the task costs by €18,400.",
    }
    assert not result.agrees
    assert result.net_of_reserves is None


def test_reconcile_reserves_explain_part_of_the_gap_and_shortfalls_read_below():
    """Reserves are taken out for a net comparison; a smaller total reads "… below …"."""
    result = reconcile(
        lines=M("12000"),
        reserves=M("2000"),
        approved=M("15000"),
        task_costs=M("9000"),
        tasks_without_cost=2,
        money=_eur,
    )
    sentences = {d.key: d.sentence for d in result.differences}
    assert sentences["lines_vs_approved"] == "Budget lines are €3,000 below the approved budget."
    assert sentences["tasks_vs_approved"] == "Task costs are €6,000 below the approved budget."
    assert result.net_of_reserves.sentence == (
        "Without the reserves, budget lines exceed the task costs by €1,000."
    )


def test_reconcile_three_equal_totals_agree():
    """Equal totals agree and every sentence says they match."""
    result = reconcile(
        lines=M("500"),
        reserves=M("0"),
        approved=M("500"),
        task_costs=M("500"),
        tasks_without_cost=0,
        money=_eur,
    )
    assert result.agrees
    assert all("match" in d.sentence for d in result.differences)


@pytest.fixture
def frozen(project, manager):
    """Two tasks costing €15,600 frozen by a performance baseline, then budget lines of €34,000
    (€4,000 of it contingency) and one task without cost."""
    schedule_services.task_create(
        project=project, by=manager, name="Design", duration=5, fixed_cost=M("5600")
    )
    schedule_services.task_create(
        project=project, by=manager, name="Build", duration=5, fixed_cost=M("10000")
    )
    schedule_services.baseline_create(
        project=project, by=manager, name="Approved plan", is_performance=True
    )
    schedule_services.task_create(project=project, by=manager, name="Test", duration=3)
    services.budget_line_create(
        project=project, by=manager, category="labour", planned_amount="30000.00", name="Team"
    )
    services.budget_line_create(
        project=project, by=manager, category="contingency", planned_amount="4000.00"
    )
    return project


@pytest.mark.django_db
def test_budget_reconciliation_selector_reads_the_three_totals(
    frozen, django_assert_max_num_queries
):
    """The selector sums the lines, the approved budget and the task costs in a few queries."""
    with django_assert_max_num_queries(6):
        result = selectors.budget_reconciliation(frozen)["result"]
    assert (result.lines, result.reserves) == (M("34000.00"), M("4000.00"))
    assert (result.approved, result.task_costs) == (M("15600.00"), M("15600.00"))
    assert result.tasks_without_cost == 1


@pytest.mark.django_db
def test_reconciliation_page_explains_the_differences(client_for, viewer, frozen):
    """Anyone on the project reads the three totals and why they differ, in the currency format."""
    url = reverse("budgets:reconciliation", args=[frozen.pk])
    page = client_for(viewer).get(url).content.decode()
    assert "Budget lines exceed the approved budget by €18,400." in page
    assert "Task costs match the approved budget." in page
    assert "Without the reserves, budget lines exceed the task costs by €14,400." in page
    assert "frozen with the performance baseline “Approved plan”" in page
    assert "1 task (not milestones) carries no cost" in page
    assert "€34,000.00" in page and "34000.00 EUR" not in page
    assert 'aria-current="page">Reconciliation</a>' in page


@pytest.mark.django_db
def test_budget_page_links_to_the_reconciliation_when_lines_and_approved_differ(
    client_for, manager, frozen
):
    """The budget page offers the reconciliation where the lines and the approved budget differ."""
    page = client_for(manager).get(reverse("budgets:budget", args=[frozen.pk])).content.decode()
    assert reverse("budgets:reconciliation", args=[frozen.pk]) in page
    assert "Reconcile with the approved budget" in page


@pytest.mark.django_db
def test_reconciliation_page_is_404_to_outsiders(client_for, outsider, frozen):
    """A non-member gets 404, as on every project page."""
    url = reverse("budgets:reconciliation", args=[frozen.pk])
    assert client_for(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_budget_api_carries_the_reconciliation(api_for, member, frozen):
    """GET …/budget/ adds the reconciliation: totals as decimal strings and the sentences."""
    data = api_for(member).get(f"/api/v1/projects/{frozen.pk}/budget/").json()["reconciliation"]
    assert data["lines"] == "34000.00" and data["approved"] == "15600.00"
    assert data["task_costs"] == "15600.00" and data["tasks_without_cost"] == 1
    assert data["differences"][0] == {
        "key": "lines_vs_approved",
        "amount": "18400.00",
        "sentence": "Budget lines exceed the approved budget by €18,400.",
    }
    assert data["net_of_reserves"]["amount"] == "14400.00"
