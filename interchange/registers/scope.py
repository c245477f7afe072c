"""Scope: requirements and deliverables (a deliverable's status moves by its own decisions, so
it is exported, not imported)."""

from __future__ import annotations

from django.db.models import Prefetch

from interchange.registers.base import Column, Register, attr
from interchange.registers.cells import choice, date, each, lookup, text, username_of
from projects import services as project_services
from projects.models import Deliverable, Requirement

REQUIREMENTS = Register(
    slug="requirements",
    title="Requirements",
    columns=(
        Column("Ref", "ref", attr("ref"), text(20), example="REQ-001"),
        Column("Text", "text", attr("text"), text(), required=True, example="Single sign-on"),
        Column("Category", "category", attr("category"), text(60)),
        Column(
            "Priority", "priority", attr("priority"), choice(Requirement.Priority), example="must"
        ),
        Column("Source", "source", attr("source"), text(200)),
        Column("Status", "status", attr("status"), choice(Requirement.Status), example="proposed"),
        Column(
            "Deliverables",
            "deliverables",
            lambda r: "; ".join(d.name for d in r.deliverables.all()),
            each(lookup("deliverable")),
        ),
    ),
    rows=lambda project: (
        Requirement.objects.filter(project=project)
        .prefetch_related(Prefetch("deliverables", queryset=Deliverable.objects.order_by("name")))
        .order_by("ref")
    ),
    create=project_services.requirement_create,
)


def _criteria_text(deliverable: Deliverable) -> str:
    return "\n".join(c.text for c in deliverable.criteria.all())


DELIVERABLES = Register(
    slug="deliverables",
    title="Deliverables",
    columns=(
        Column("Name", "name", attr("name"), text(200), required=True, example="Pilot"),
        Column("Description", "description", attr("description"), text()),
        Column("Owner", "owner", lambda d: username_of(d.owner), lookup("member")),
        Column("Due date", "due_date", attr("due_date"), date),
        Column(
            "Work package",
            "work_package",
            lambda d: d.work_package.code if d.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Status", "status", attr("status")),
        Column(
            "Acceptance criteria",
            "criteria",
            _criteria_text,
            each(text(), separator="\n"),
            example="Signed off by the sponsor",
        ),
    ),
    rows=lambda project: (
        Deliverable.objects.filter(project=project)
        .select_related("owner", "work_package")
        .prefetch_related("criteria")
        .order_by("due_date", "name", "id")
    ),
    create=project_services.deliverable_create,
)
