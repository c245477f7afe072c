"""The stakeholder register (a linked user account is not imported: it is chosen on the page)."""

from __future__ import annotations

from django.db.models.functions import Lower

from interchange.registers.base import Column, Register, attr
from interchange.registers.cells import choice, text, whole
from stakeholders import services as stakeholder_services
from stakeholders.models import Engagement, Stakeholder

STAKEHOLDERS = Register(
    slug="stakeholders",
    title="Stakeholders",
    columns=(
        Column("Name", "name", attr("name"), text(200), required=True, example="Sam Sponsor"),
        Column("Organisation", "organisation", attr("organisation"), text(200)),
        Column("Title", "title", attr("title"), text(200), example="CFO"),
        Column("E-mail", "email", attr("email"), text(254), aliases=("email",)),
        Column("Kind", "kind", attr("kind"), choice(Stakeholder.Kind), example="internal"),
        Column("Power", "power", attr("power"), whole(1, 5), example=5),
        Column("Interest", "interest", attr("interest"), whole(1, 5), example=4),
        Column("Quadrant", "quadrant", lambda s: s.quadrant.value),
        Column(
            "Engagement current",
            "engagement_current",
            attr("engagement_current"),
            choice(Engagement),
            example="neutral",
        ),
        Column(
            "Engagement desired",
            "engagement_desired",
            attr("engagement_desired"),
            choice(Engagement),
            example="supportive",
        ),
        Column("Communication needs", "communication_needs", attr("communication_needs"), text()),
        Column("Notes", "notes", attr("notes"), text()),
    ),
    rows=lambda project: Stakeholder.objects.filter(project=project).order_by(Lower("name"), "id"),
    create=stakeholder_services.stakeholder_create,
)
