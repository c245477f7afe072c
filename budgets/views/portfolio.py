"""The portfolio utilisation heat map: people × weeks across every project the reader can see."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from budgets import portfolio
from budgets.forms import PortfolioUtilisationForm
from budgets.views.resources import heat
from projects import clock

# Over-allocated days listed at once (a big portfolio has tens of thousands in a year).
OVER_PAGE = 200


@login_required
@require_safe
def utilisation(request: HttpRequest) -> HttpResponse:
    """Booked hours ÷ capacity per person and ISO week across my projects (hours on projects I
    cannot see shown only as "booked elsewhere"), then the over-allocated days."""
    form = PortfolioUtilisationForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = portfolio.default_window(data.get("start"), data.get("end"))
    result = portfolio.portfolio_utilisation(
        request.user,
        start=start,
        end=end,
        role=data.get("role") or "",
        team=data.get("team") or "",
        over_limit=OVER_PAGE,
        over_offset=data.get("over") or 0,
    )
    form.offer_roles(result.roles, result.teams)
    kept = {k: v for k, v in request.GET.items() if k != "over" and v}
    this_week = portfolio.monday_of(clock.today())
    rows = []
    for person in result.people:
        cells = []
        for week, cell in zip(result.weeks, person.cells, strict=True):
            ratio = cell.ratio
            cells.append(
                {
                    "week": week,
                    "cell": cell,
                    "percent": None if ratio is None else int((ratio * 100).to_integral_value()),
                    "band": heat(ratio),
                }
            )
        rows.append({"person": person, "cells": cells})
    return render(
        request,
        "budgets/portfolio_utilisation.html",
        {
            "form": form,
            "result": result,
            "rows": rows,
            "this_week": this_week,
            "role": data.get("role") or "",
            "team": data.get("team") or "",
            "over_first": result.over_offset + 1,
            "over_last": result.over_offset + len(result.over),
            "over_next": None
            if result.over_next is None
            else "?" + urlencode({**kept, "over": result.over_next}),
            "over_previous": None
            if not result.over_offset
            else "?" + urlencode({**kept, "over": max(result.over_offset - OVER_PAGE, 0)}),
        },
    )
