"""People across projects: the people I share a project with (team and role filters), and one
person's capacity, days off, default rate and load across my projects.

A person I share no project with does not exist for me (404). Their capacity, days off, team
and rate are changed by themself, staff, or a manager of a project where they are a resource
(``selectors.may_edit_person``); others get 403 with the reason.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from budgets import portfolio, selectors, services
from budgets.forms import DayOffForm, PersonForm
from budgets.models import Person, PersonDayOff
from budgets.views.resources import heat
from projects import clock
from projects.display import person_name
from projects.views.base import READ, READ_WRITE, WRITE, not_allowed
from projects.views.editing import form_write

REFUSED = (
    "Only the person, staff or a manager of a project where they are a resource can change "
    "their capacity, days off, team and rate."
)


def _person(user_of_page: Any) -> Person:
    try:
        return user_of_page.person
    except Person.DoesNotExist:
        return Person(user=user_of_page)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The people I share a project with, their team, roles, capacity and next days off."""
    if refused := not_allowed(request, READ):
        return refused
    team = request.GET.get("team", "").strip()
    role = request.GET.get("role", "").strip()
    users = list(selectors.people_for(request.user).order_by("username"))
    start = clock.today()
    end = start + datetime.timedelta(weeks=portfolio.DEFAULT_WEEKS)
    details = selectors.person_details(request.user, [u.pk for u in users], start=start, end=end)
    rows = []
    for user in users:
        person = _person(user)
        roles = details["roles"].get(user.pk, [])
        rows.append(
            {
                "user": user,
                "person": person,
                "roles": roles,
                "days_off": details["days_off"].get(user.pk, []),
            }
        )
    teams = sorted({r["person"].team for r in rows if r["person"].team}, key=str.lower)
    roles = sorted({x for r in rows for x in r["roles"]}, key=str.lower)
    if team:
        rows = [r for r in rows if r["person"].team.lower() == team.lower()]
    if role:
        rows = [r for r in rows if role.lower() in (x.lower() for x in r["roles"])]
    return render(
        request,
        "budgets/person_list.html",
        {
            "rows": rows,
            "teams": teams,
            "roles": roles,
            "team": team,
            "role": role,
            "start": start,
            "end": end,
        },
    )


def _detail(request: HttpRequest, user_of_page: Any, **extra: Any) -> HttpResponse:
    person = _person(user_of_page)
    can_edit = selectors.may_edit_person(request.user, user_of_page.pk)
    start = portfolio.monday_of(clock.today())
    end = start + datetime.timedelta(weeks=portfolio.DEFAULT_WEEKS - 1)
    load = portfolio.portfolio_utilisation(
        request.user, start=start, end=end, user_id=user_of_page.pk
    )
    cells = []
    if load.people:
        for week, cell in zip(load.weeks, load.people[0].cells, strict=True):
            ratio = cell.ratio
            cells.append(
                {
                    "week": week,
                    "cell": cell,
                    "percent": None if ratio is None else int((ratio * 100).to_integral_value()),
                    "band": heat(ratio),
                }
            )
    details = selectors.person_details(
        request.user,
        [user_of_page.pk],
        start=clock.today() - datetime.timedelta(weeks=4),
        end=clock.today() + datetime.timedelta(weeks=52),
    )
    context = {
        "subject": user_of_page,
        "name": person_name(user_of_page),
        "person": person,
        "can_edit": can_edit,
        "show_rate": user_of_page.pk in details["rates"],
        "roles": details["roles"].get(user_of_page.pk, []),
        "days_off": details["days_off"].get(user_of_page.pk, []),
        "load": load,
        "cells": cells,
        **extra,
    }
    if can_edit:
        context.setdefault(
            "form",
            PersonForm(
                initial={
                    "capacity_hours": person.capacity_hours,
                    "team": person.team,
                    "rate": person.rate,
                    "rate_unit": person.rate_unit,
                    "version": person.version if person.pk else None,
                }
            ),
        )
        context.setdefault("day_off_form", DayOffForm(prefix="off"))
    return render(request, "budgets/person_detail.html", context)


def _subject(request: HttpRequest, user_pk: int) -> Any:
    """The person of the page, among those I share a project with (else 404)."""
    return get_object_or_404(selectors.people_for(request.user), pk=user_pk)


def _check_edit(request: HttpRequest, subject: Any) -> None:
    if not selectors.may_edit_person(request.user, subject.pk):
        raise PermissionDenied(REFUSED)


@login_required
def person(request: HttpRequest, user_pk: int) -> HttpResponse:
    """One person: capacity, team, default rate (to those who may edit them), days off, and
    their load across my projects; POST changes capacity, team or rate."""
    subject = _subject(request, user_pk)
    if refused := not_allowed(request, READ_WRITE):
        return refused
    if request.method in READ:
        return _detail(request, subject)
    _check_edit(request, subject)
    form = PersonForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if form_write(
            form, services.person_update, user=subject, by=request.user, version=version, **data
        ):
            messages.success(request, f"{person_name(subject)} saved.")
            return redirect("budgets:person", user_pk=subject.pk)
    return _detail(request, subject, form=form)


@login_required
def person_day_off_add(request: HttpRequest, user_pk: int) -> HttpResponse:
    subject = _subject(request, user_pk)
    if refused := not_allowed(request, WRITE):
        return refused
    _check_edit(request, subject)
    form = DayOffForm(request.POST, prefix="off")
    if form.is_valid():
        add = services.person_day_off_add
        if day := form_write(form, add, user=subject, by=request.user, **form.cleaned_data):
            messages.success(request, f"{day.date:%a %-d %b %Y} is a day off in every project.")
            return redirect("budgets:person", user_pk=subject.pk)
    return _detail(request, subject, day_off_form=form)


@login_required
def person_day_off_remove(request: HttpRequest, user_pk: int, day_pk: int) -> HttpResponse:
    subject = _subject(request, user_pk)
    day = get_object_or_404(PersonDayOff, person_id=subject.pk, pk=day_pk)
    if refused := not_allowed(request, WRITE):
        return refused
    _check_edit(request, subject)
    services.person_day_off_remove(day_off=day, by=request.user)
    messages.success(request, f"{day.date:%a %-d %b %Y} is a working day again.")
    return redirect("budgets:person", user_pk=subject.pk)
