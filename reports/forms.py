"""The portfolio dashboard's search, filters and sort."""

from __future__ import annotations

from django import forms

from projects.forms import PortfolioFilterForm
from reports.models import Rag
from reports.selectors.kpi import DASHBOARD_SORTS, NOT_COMPUTED


class DashboardFilterForm(PortfolioFilterForm):
    """The portfolio list's filters plus health, and sorts by the KPIs. Invalid values are
    reported and then ignored, as on the list."""

    SORTS = DASHBOARD_SORTS

    health = forms.ChoiceField(
        required=False,
        choices=[("", "Any health"), *Rag.choices, (NOT_COMPUTED, "Not computed yet")],
        label="Health",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{name}", name) for name in DASHBOARD_SORTS for sign in ("", "-")],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters, as keyword arguments of ``reports.selectors.dashboard_rows``."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "type": data.get("type") or "",
            "methodology": data.get("methodology") or "",
            "stage": data.get("stage") or "",
            "health": data.get("health") or "",
            "sort": data.get("sort") or "key",
        }

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        fields = ("q", "type", "methodology", "stage", "health")
        return any(self.cleaned_data.get(f) for f in fields)
