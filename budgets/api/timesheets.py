"""My timesheet in the API: ``GET /api/v1/timesheets/?week=YYYY-Www`` (DESIGN §5): my hours of
the week across every project I log time on, a row per task and a cell per day, my non-project
time, and the week's approval status; ``POST /api/v1/timesheets/submit/?week=YYYY-Www`` submits
it (each project's managers then decide their part through ``…/approvals/{pk}/decide/``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import timesheets
from budgets.models import TimesheetPart, TimesheetWeek
from budgets.services.timesheets import timesheet_submit

ROW = inline_serializer(
    name="TimesheetRow",
    fields={
        "project": serializers.IntegerField(),
        "project_key": serializers.CharField(),
        "resource": serializers.IntegerField(),
        "task": serializers.IntegerField(),
        "task_name": serializers.CharField(),
        "hours": serializers.ListField(
            child=serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
        ),
        "total": serializers.DecimalField(max_digits=6, decimal_places=2),
        "editable": serializers.BooleanField(),
    },
)
WEEK = inline_serializer(
    name="Timesheet",
    fields={
        "week": serializers.CharField(),
        "days": serializers.ListField(child=serializers.DateField()),
        "rows": serializers.ListField(child=ROW),
        "day_totals": serializers.ListField(
            child=serializers.DecimalField(max_digits=6, decimal_places=2)
        ),
        "total": serializers.DecimalField(max_digits=6, decimal_places=2),
        "capacity": serializers.DecimalField(max_digits=6, decimal_places=2),
        "non_project": serializers.ListField(
            child=inline_serializer(
                name="TimesheetNonProjectRow",
                fields={
                    "category": serializers.CharField(),
                    "hours": serializers.ListField(
                        child=serializers.DecimalField(
                            max_digits=4, decimal_places=2, allow_null=True
                        )
                    ),
                    "total": serializers.DecimalField(max_digits=6, decimal_places=2),
                },
            )
        ),
        "status": serializers.ChoiceField(choices=TimesheetWeek.Status.choices),
        "submitted_at": serializers.DateTimeField(allow_null=True),
        "parts": serializers.ListField(
            child=inline_serializer(
                name="TimesheetPartStatus",
                fields={
                    "project": serializers.IntegerField(),
                    "project_key": serializers.CharField(),
                    "hours": serializers.DecimalField(max_digits=6, decimal_places=2),
                    "status": serializers.ChoiceField(choices=TimesheetPart.Status.choices),
                    "reason": serializers.CharField(),
                },
            )
        ),
    },
)
WEEK_PARAMETER = OpenApiParameter(
    "week", OpenApiTypes.STR, description="ISO week, e.g. 2026-W49; this week if absent"
)


def _money(value) -> str:
    return f"{value:.2f}"


class TimesheetView(APIView):
    """My week: log hours through ``POST /api/v1/projects/{id}/time-entries/`` or the page."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My hours of a week across my projects",
        parameters=[WEEK_PARAMETER],
        responses={200: WEEK},
    )
    def get(self, request: Request) -> Response:
        week = timesheets.timesheet(request.user, timesheets.week_start(request.GET.get("week")))
        return Response(week_data(week))


def week_data(week: timesheets.Week) -> dict:
    return {
        "week": week.label,
        "days": [day.isoformat() for day in week.days],
        "rows": [
            {
                "project": row.project.pk,
                "project_key": row.project.key,
                "resource": row.resource.pk,
                "task": row.task.pk,
                "task_name": row.task.name,
                "hours": [None if h is None else _money(h) for h in row.hours],
                "total": _money(row.total),
                "editable": row.editable,
            }
            for row in week.rows
        ],
        "day_totals": [_money(total) for total in week.day_totals],
        "total": _money(week.total),
        "capacity": _money(week.capacity),
        "non_project": [
            {
                "category": row.category,
                "hours": [None if h is None else _money(h) for h in row.hours],
                "total": _money(row.total),
            }
            for row in week.other_rows
        ],
        "status": week.status,
        "submitted_at": week.record.submitted_at if week.record else None,
        "parts": [
            {
                "project": part.project_id,
                "project_key": part.project.key,
                "hours": _money(part.hours),
                "status": part.status,
                "reason": part.reason,
            }
            for part in week.parts
        ],
    }


class TimesheetSubmitView(APIView):
    """Submit my week for approval: each project's managers are asked to approve its hours."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Submit my week for approval",
        parameters=[WEEK_PARAMETER],
        request=None,
        responses={200: WEEK},
    )
    def post(self, request: Request) -> Response:
        start = timesheets.week_start(request.GET.get("week") or request.data.get("week"))
        timesheet_submit(user=request.user, start=start)
        return Response(week_data(timesheets.timesheet(request.user, start)))
