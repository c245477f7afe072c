"""Earned value at a status date: KPI tiles that say what each number means for this project,
the S-curve (PV, EV, AC per week) with its table, and earned value per work package."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from budgets import charts, evm, selectors
from budgets.forms import StatusDateForm
from projects import rag
from projects.models import Project, WorkPackage
from projects.money import money
from projects.thresholds import thresholds_for
from projects.views.base import READ, door, rights


@dataclass(frozen=True)
class Tile:
    """One KPI: its short name, value as shown, what it means here, and a health word."""

    key: str
    name: str
    value: str
    explanation: str
    health: str = ""  # "Green", "Amber", "Red" or "" (no judgement)

    @property
    def title(self) -> str:
        return NAMES[self.key]


NAMES = {
    "bac": "Budget at completion",
    "pv": "Planned value",
    "ev": "Earned value",
    "ac": "Actual cost",
    "sv": "Schedule variance",
    "cv": "Cost variance",
    "spi": "Schedule performance index",
    "cpi": "Cost performance index",
    "etc": "Estimate to complete",
    "vac": "Variance at completion",
    "tcpi": "To-complete performance index",
    "tcpi_eac": "To-complete performance index against the estimate at completion",
}


def _health(rating: rag.Rag | None) -> str:
    """The word on a tile: the project's own bands (``projects.rag``), as its health badge."""
    return "" if rating is None else rating.label


def _money_health(value: Decimal | None) -> str:
    if value is None:
        return ""
    return "Green" if value >= 0 else "Red"


def _versus(ratio: Decimal, below: str, even: str, above: str) -> str:
    """Words for a ratio against 1, judged on the two places shown (0.997 reads as on plan)."""
    shown = round(ratio, 2)
    return below if shown < 1 else even if shown == 1 else above


def _ratio(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def tiles(
    ev: evm.EarnedValue,
    *,
    currency: str,
    as_of: datetime.date,
    limits: rag.Thresholds | None = None,
) -> list[Tile]:
    """The KPI tiles, each with a one-line explanation written with this project's numbers,
    coloured by the project's thresholds (DESIGN's defaults when not given)."""
    limits = limits or rag.Thresholds()
    spi_health = _health(None if ev.spi is None else rag.rate_spi(ev.spi, limits))
    cpi_health = _health(None if ev.cpi is None else rag.rate_cpi(ev.cpi, limits))

    def m(value: Decimal | None, sign: bool = False) -> str:
        return money(value, currency, sign=sign)

    unit = money(Decimal(1), currency, places=0)
    day = f"{as_of:%-d %b %Y}"
    result = [
        Tile(
            "bac",
            "BAC",
            m(ev.bac),
            f"The approved budget: {m(ev.bac)} to deliver all planned work.",
        ),
        Tile(
            "pv",
            "PV",
            m(ev.pv),
            f"By {day} the plan had {m(ev.pv)} of work done"
            + (f" ({_pct(ev.pv * 100 / ev.bac)} of the budget)." if ev.bac else "."),
        ),
        Tile(
            "ev",
            "EV",
            m(ev.ev),
            f"The work actually done is worth {m(ev.ev)} of budget"
            + (
                f": {_pct(ev.percent_complete)} complete."
                if ev.percent_complete is not None
                else "."
            ),
        ),
        Tile(
            "ac",
            "AC",
            m(ev.ac),
            f"{m(ev.ac)} has been spent up to {day}"
            + (
                f" ({_pct(ev.percent_spent)} of the budget)."
                if ev.percent_spent is not None
                else "."
            ),
        ),
    ]
    if ev.sv < 0:
        sv_text = f"Behind schedule: {m(-ev.sv)} less work done than planned by now."
    elif ev.sv > 0:
        sv_text = f"Ahead of schedule: {m(ev.sv)} more work done than planned by now."
    else:
        sv_text = "Exactly as much work done as planned by now."
    result.append(Tile("sv", "SV", m(ev.sv, sign=True), sv_text, spi_health))
    if ev.cv < 0:
        cv_text = f"Over budget: the work done cost {m(-ev.cv)} more than it was worth."
    elif ev.cv > 0:
        cv_text = f"Under budget: the work done cost {m(ev.cv)} less than budgeted."
    else:
        cv_text = "The work done cost exactly what it was budgeted at."
    result.append(Tile("cv", "CV", m(ev.cv, sign=True), cv_text, cpi_health))
    if ev.spi is None:
        spi_text = "No work was planned by this date yet, so there is no schedule rate."
    else:
        spi_text = f"Work is getting done at {ev.spi * 100:.0f}% of the planned rate" + _versus(
            ev.spi, ": behind schedule.", ": on schedule.", ": ahead of schedule."
        )
    result.append(Tile("spi", "SPI", _ratio(ev.spi), spi_text, spi_health))
    if ev.cpi is None:
        cpi_text = "Nothing has been spent yet, so there is no cost efficiency to measure."
    else:
        # A ratio read in the currency: two places whatever the currency's own.
        earns = money(ev.cpi, currency, places=2)
        cpi_text = f"Every {unit} spent earns {earns} of planned work" + (
            _versus(ev.cpi, ": over budget.", ": on budget.", ": under budget.")
        )
    result.append(Tile("cpi", "CPI", _ratio(ev.cpi), cpi_text, cpi_health))
    if ev.etc is None:
        etc_text = "Unknown until money has been spent (it needs the CPI)."
    else:
        etc_text = f"{m(ev.etc)} more to finish the work at the cost efficiency so far."
    result.append(Tile("etc", "ETC", m(ev.etc), etc_text))
    if ev.vac is None:
        vac_text = "Unknown until money has been spent (it needs the CPI)."
    elif ev.vac < 0:
        vac_text = f"Expect to finish {m(-ev.vac)} over the approved budget."
    else:
        vac_text = f"Expect to finish {m(ev.vac)} under the approved budget."
    result.append(Tile("vac", "VAC", m(ev.vac, sign=True), vac_text, _money_health(ev.vac)))
    if ev.tcpi is None:
        tcpi_text = ev.tcpi_note or "No budget to measure against yet."
        if ev.tcpi_note and ev.tcpi_eac is not None:
            tcpi_text += " Measure the rest against the estimate at completion instead."
        health = "Red" if ev.ac > ev.bac else ""
    else:
        tcpi_text = (
            f"To finish on budget, every {unit} still to spend must earn "
            f"{money(ev.tcpi, currency, places=2)} of work"
            + (
                ": far beyond the efficiency so far, out of reach without more budget."
                if ev.tcpi > Decimal("1.5")
                else ": harder than so far."
                if ev.cpi is not None and ev.tcpi > ev.cpi
                else "."
            )
        )
        health = _health(rag.rate_tcpi(ev.tcpi, limits))
    result.append(Tile("tcpi", "TCPI", _ratio(ev.tcpi), tcpi_text, health))
    if ev.tcpi_eac is None:
        tcpi_eac_text = ev.tcpi_eac_note
    else:
        tcpi_eac_text = (
            f"To finish at the estimate of {m(ev.eac)}, every {unit} still to spend must earn "
            f"{money(ev.tcpi_eac, currency, places=2)} of work."
        )
    result.append(Tile("tcpi_eac", "TCPI (EAC)", _ratio(ev.tcpi_eac), tcpi_eac_text))
    return result


def eac_methods(ev: evm.EarnedValue, currency: str) -> list[dict[str, str]]:
    """EAC by the three common methods, side by side."""
    rows = [
        ("eac_cpi", "BAC ÷ CPI", "If cost efficiency stays as it has been.", ev.eac_cpi),
        (
            "eac_budget_rate",
            "AC + (BAC − EV)",
            "If the remaining work costs what was budgeted.",
            ev.eac_budget_rate,
        ),
        (
            "eac_cpi_spi",
            "AC + (BAC − EV) ÷ (CPI × SPI)",
            "If cost and schedule pressure both weigh on the rest.",
            ev.eac_cpi_spi,
        ),
    ]
    return [
        {
            "key": key,
            "formula": formula,
            "meaning": meaning,
            "value": money(value, currency),
            "over": money(value - ev.bac, currency, sign=True) if value is not None else "",
            "is_over": value is not None and value > ev.bac,
        }
        for key, formula, meaning, value in rows
    ]


def _s_curve(project: Project, as_of: datetime.date) -> dict:
    points = selectors.evm_series(project, as_of)
    chart = charts.time_chart(
        [p.date for p in points],
        [
            ("pv", "Planned value (PV)", [p.pv for p in points]),
            ("ev", "Earned value (EV)", [p.ev for p in points]),
            ("ac", "Actual cost (AC)", [p.ac for p in points]),
        ],
        currency=project.currency,
        marker=as_of,
        marker_label=f"Status date {as_of.day} {as_of:%b}",
    )
    return {"chart": chart, "points": points}


def _packages(project: Project, as_of: datetime.date, limits: rag.Thresholds) -> list[dict]:
    """Earned value per work package, SPI and CPI judged by the project's thresholds."""
    by_package = selectors.evm_by_work_package(project, as_of)
    packages = WorkPackage.objects.filter(project=project).order_by("sort_key")
    return [
        {
            "package": wp,
            "ev": (ev := by_package[wp.pk]),
            "spi_health": _health(None if ev.spi is None else rag.rate_spi(ev.spi, limits)),
            "cpi_health": _health(None if ev.cpi is None else rag.rate_cpi(ev.cpi, limits)),
        }
        for wp in packages
        if wp.pk in by_package
    ]


@login_required
def earned_value(request: HttpRequest, pk: int) -> HttpResponse:
    """Earned value at a status date (today in the project's time zone unless chosen)."""
    project, refused = door(request, pk, READ)
    if refused:
        return refused
    today = project.today()
    form = StatusDateForm(request.GET if "as_of" in request.GET else None, initial={"as_of": today})
    as_of = (form.cleaned_data.get("as_of") if form.is_valid() else None) or today
    ev = selectors.evm_for(project, as_of)
    limits = thresholds_for(project)
    return render(
        request,
        "budgets/earned_value.html",
        {
            "project": project,
            "area": "earned_value",
            "form": form,
            "as_of": as_of,
            "today": today,
            "ev": ev,
            "tiles": tiles(ev, currency=project.currency, as_of=as_of, limits=limits),
            "eacs": eac_methods(ev, project.currency),
            "curve": _s_curve(project, as_of),
            "packages": _packages(project, as_of, limits),
            **rights(project),
        },
    )
