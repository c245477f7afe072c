"""One RAG rule: the earned-value page colours SPI and CPI exactly as the health badge rates
them, with each project's own thresholds, for every demo project."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from projects import rag
from projects.models import Project
from reports.models import HealthThresholds, KpiSnapshot
from reports.services.kpi import kpi_snapshot_refresh

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

# Stricter than DESIGN's defaults, so a page that kept its own 0.95/0.85 bands disagrees.
STRICT = {
    "spi_green": Decimal("1.00"),
    "spi_amber": Decimal("0.97"),
    "cpi_green": Decimal("1.00"),
    "cpi_amber": Decimal("0.97"),
}


def _tile_words(client, project: Project) -> dict[str, str]:
    response = client.get(reverse("budgets:earned_value", args=[project.pk]))
    assert response.status_code == 200
    return {tile.key: tile for tile in response.context["tiles"]}


def _agree(client, project: Project) -> None:
    snapshot = KpiSnapshot.objects.get(project=project, as_of=project.today())
    tiles = _tile_words(client, project)
    spi, cpi = tiles["spi"], tiles["cpi"]
    # The same figures: the page's status date is the snapshot's day.
    assert spi.value == ("—" if snapshot.spi is None else f"{snapshot.spi:.2f}"), project.key
    assert cpi.value == ("—" if snapshot.cpi is None else f"{snapshot.cpi:.2f}"), project.key
    # Cost health rates CPI alone: the tile says the same word.
    if snapshot.cpi is not None:
        assert cpi.health == snapshot.health_cost.capitalize(), project.key
    # Schedule health is the worst of SPI, finish slips and missed milestones: never better
    # than the SPI tile, and the same word when SPI is what it leads with.
    if snapshot.spi is not None:
        schedule = rag.Rag[snapshot.health_schedule.upper()]
        assert rag.Rag[spi.health.upper()] <= schedule, project.key
        if snapshot.health_reasons["schedule"].startswith("SPI"):
            assert spi.health == schedule.label, project.key


def test_earned_value_tiles_agree_with_health_for_every_demo_project(client):
    """With DESIGN's thresholds and with a project's own stricter ones, every demo project's
    SPI and CPI tiles carry the words its health badge gives the same figures."""
    call_command("seed_demo", verbosity=0)
    client.force_login(get_user_model().objects.get(username="demo"))
    projects = list(Project.objects.filter(key__in=["PORTAL", "CLOUD", "SOC2", "ERP", "WAN"]))
    assert len(projects) == 5
    for project in projects:
        kpi_snapshot_refresh(project=project, as_of=project.today())
        _agree(client, project)

    # A closed project's health is frozen at sign-off, judged by the thresholds of that day.
    projects = [p for p in projects if not p.is_closed]
    words_before = {p.key: _tile_words(client, p)["spi"].health for p in projects}
    for project in projects:
        HealthThresholds.objects.update_or_create(project=project, defaults=STRICT)
        kpi_snapshot_refresh(project=project, as_of=project.today())
        _agree(client, project)
    words_after = {p.key: _tile_words(client, p)["spi"].health for p in projects}
    assert words_after != words_before  # the project's thresholds changed some colour
