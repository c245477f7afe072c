"""Risks and issues, through the risk register's and the issue log's services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from interchange.registers.base import Column, Register, attr
from interchange.registers.cells import choice, date, decimal, lookup, text, username_of, whole
from projects.models import Project
from risks import services as risk_services
from risks.models import Issue, Risk
from risks.models.register import Category as RiskCategory
from risks.models.register import Kind as RiskKind
from risks.models.register import Status as RiskStatus
from risks.models.register import Strategy

RISKS = Register(
    slug="risks",
    title="Risks",
    columns=(
        Column("Ref", "reference", attr("reference")),
        Column("Title", "title", attr("title"), text(200), required=True, example="Vendor slips"),
        Column("Kind", "kind", attr("kind"), choice(RiskKind), example="threat"),
        Column("Category", "category", attr("category"), choice(RiskCategory), example="vendor"),
        Column("Probability", "probability", attr("probability"), whole(1, 5), example=3),
        Column("Impact", "impact", attr("impact"), whole(1, 5), example=4),
        Column("Score", "score", attr("score")),
        Column("Level", "level", attr("level")),
        Column("Status", "status", attr("status"), choice(RiskStatus), example="open"),
        Column("Owner", "owner", lambda r: username_of(r.owner), lookup("member")),
        Column("Cause", "cause", attr("cause"), text()),
        Column("Event", "event", attr("event"), text()),
        Column("Effect", "effect", attr("effect"), text()),
        Column("Trigger", "trigger", attr("trigger"), text()),
        Column("Proximity", "proximity", attr("proximity"), date),
        Column(
            "Response strategy",
            "response_strategy",
            attr("response_strategy"),
            choice(Strategy),
            example="mitigate",
        ),
        Column("Response plan", "response_plan", attr("response_plan"), text()),
        Column("Contingency plan", "contingency_plan", attr("contingency_plan"), text()),
        Column(
            "Residual probability",
            "residual_probability",
            attr("residual_probability"),
            whole(1, 5),
        ),
        Column("Residual impact", "residual_impact", attr("residual_impact"), whole(1, 5)),
        Column("Cost impact", "cost_impact", attr("cost_impact"), decimal(2), example="5000.00"),
    ),
    rows=lambda project: (
        Risk.objects.filter(project=project).select_related("owner").order_by("number")
    ),
    create=risk_services.risk_create,
)


def _issue_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    status: str | None = None,
    resolution: str | None = None,
    **fields: Any,
) -> Issue:
    """An issue as ``issue_create`` opens it, then its status and resolution (a resolved issue
    needs a resolution) through ``issue_update``, as a person would set them."""
    issue = risk_services.issue_create(project=project, by=by, **fields)
    changes = {
        name: value
        for name, value in (("status", status), ("resolution", resolution))
        if value not in (None, "")
    }
    if changes and changes != {"status": Issue.Status.OPEN}:
        issue = risk_services.issue_update(issue=issue, by=by, version=None, **changes)
    return issue


ISSUES = Register(
    slug="issues",
    title="Issues",
    columns=(
        Column("Ref", "reference", attr("reference")),
        Column("Title", "title", attr("title"), text(200), required=True, example="Outage"),
        Column("Description", "description", attr("description"), text()),
        Column("Priority", "priority", attr("priority"), choice(Issue.Priority), example="high"),
        Column("Owner", "owner", lambda i: username_of(i.owner), lookup("member")),
        Column("Due date", "due_date", attr("due_date"), date),
        Column("Status", "status", attr("status"), choice(Issue.Status), example="open"),
        Column("Resolution", "resolution", attr("resolution"), text()),
    ),
    rows=lambda project: (
        Issue.objects.filter(project=project).select_related("owner").order_by("number")
    ),
    create=_issue_create,
)
