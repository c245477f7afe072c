"""The portfolio heat map in the API: ``GET /api/v1/portfolio/utilisation/?start=&end=&role=&team=``
(DESIGN §5): people × ISO weeks across the projects I can see, with ``booked`` (on those
projects), ``elsewhere`` (on projects I cannot see, a sum without names) and ``capacity``, and
the over-allocated days naming only my projects and their tasks."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import portfolio

HOURS = {"max_digits": 10, "decimal_places": 2}


# Over-allocated days in one answer: by default and at most (a year of a big portfolio has tens
# of thousands; ``over_allocations_total`` counts them, ``over_offset`` pages through).
OVER_DEFAULT = 500
OVER_MAX = 5_000


class WindowSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    role = serializers.CharField(required=False, allow_blank=True, max_length=120)
    team = serializers.CharField(required=False, allow_blank=True, max_length=120)
    over_offset = serializers.IntegerField(required=False, min_value=0, default=0)
    over_limit = serializers.IntegerField(
        required=False, min_value=1, max_value=OVER_MAX, default=OVER_DEFAULT
    )

    def validate(self, data: dict) -> dict:
        given_start, given_end = data.get("start"), data.get("end")
        if given_start and given_end and given_end < given_start:
            raise serializers.ValidationError({"end": "The last week is before the first."})
        start, end = portfolio.default_window(given_start, given_end)
        if (end - start).days > 7 * portfolio.MAX_WEEKS:
            raise serializers.ValidationError(
                {"end": f"Ask for at most {portfolio.MAX_WEEKS} weeks at once."}
            )
        return {
            "start": start,
            "end": end,
            "role": data.get("role", ""),
            "team": data.get("team", ""),
            "over_offset": data.get("over_offset", 0),
            "over_limit": data.get("over_limit", OVER_DEFAULT),
        }


TASK = inline_serializer(
    name="PortfolioTask", fields={"id": serializers.IntegerField(), "name": serializers.CharField()}
)
RESPONSE = inline_serializer(
    name="PortfolioUtilisation",
    fields={
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "weeks": serializers.ListField(child=serializers.DateField()),
        "roles": serializers.ListField(child=serializers.CharField()),
        "teams": serializers.ListField(child=serializers.CharField()),
        "people": serializers.ListField(
            child=inline_serializer(
                name="PortfolioPerson",
                fields={
                    "id": serializers.CharField(help_text="u<user id>, or r<resource id>"),
                    "name": serializers.CharField(),
                    "user": serializers.IntegerField(allow_null=True),
                    "roles": serializers.ListField(child=serializers.CharField()),
                    "team": serializers.CharField(),
                    "placeholder": serializers.BooleanField(),
                    "headcount": serializers.IntegerField(),
                    "capacity_per_day": serializers.DecimalField(**HOURS),
                    "capacity_note": serializers.CharField(),
                    "weeks": serializers.ListField(
                        child=inline_serializer(
                            name="PortfolioWeek",
                            fields={
                                "week": serializers.DateField(),
                                "booked": serializers.DecimalField(**HOURS),
                                "capacity": serializers.DecimalField(**HOURS),
                                "elsewhere": serializers.DecimalField(**HOURS),
                            },
                        )
                    ),
                },
            )
        ),
        "over_allocations_total": serializers.IntegerField(
            help_text="Over-allocated days in the window; `over_allocations` lists a page."
        ),
        "over_offset": serializers.IntegerField(),
        "over_allocations": serializers.ListField(
            child=inline_serializer(
                name="PortfolioOverAllocation",
                fields={
                    "person": serializers.CharField(),
                    "date": serializers.DateField(),
                    "booked": serializers.DecimalField(**HOURS),
                    "capacity": serializers.DecimalField(**HOURS),
                    "elsewhere": serializers.DecimalField(**HOURS),
                    "across_projects": serializers.BooleanField(),
                    "projects": serializers.ListField(
                        child=inline_serializer(
                            name="PortfolioOverProject",
                            fields={
                                "id": serializers.IntegerField(),
                                "key": serializers.CharField(),
                                "name": serializers.CharField(),
                                "hours": serializers.DecimalField(**HOURS),
                                "tasks": serializers.ListField(child=TASK),
                            },
                        )
                    ),
                },
            )
        ),
    },
)


def _hours(value) -> str:
    return f"{value:.2f}"


class PortfolioUtilisationView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="People × weeks across my projects: booked, elsewhere, capacity",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="Its ISO week is the first"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Its ISO week is the last"),
            OpenApiParameter("role", OpenApiTypes.STR, description="Only people with this role"),
            OpenApiParameter("team", OpenApiTypes.STR, description="Only people of this team"),
            OpenApiParameter(
                "over_offset",
                OpenApiTypes.INT,
                description="The first over-allocated day listed (0 by default)",
            ),
            OpenApiParameter(
                "over_limit",
                OpenApiTypes.INT,
                description=f"How many over-allocated days to list ({OVER_DEFAULT} by "
                f"default, at most {OVER_MAX})",
            ),
        ],
        responses={200: RESPONSE},
    )
    def get(self, request: Request) -> Response:
        window = WindowSerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        result = portfolio.portfolio_utilisation(request.user, **window.validated_data)
        return Response(
            {
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "weeks": [week.isoformat() for week in result.weeks],
                "roles": result.roles,
                "teams": result.teams,
                "people": [
                    {
                        "id": person.key,
                        "name": person.name,
                        "user": person.user_id,
                        "roles": person.roles,
                        "team": person.team,
                        "placeholder": person.placeholder,
                        "headcount": person.headcount,
                        "capacity_per_day": _hours(person.capacity_per_day),
                        "capacity_note": person.capacity_note,
                        "weeks": [
                            {
                                "week": week.isoformat(),
                                "booked": _hours(cell.booked),
                                "capacity": _hours(cell.capacity),
                                "elsewhere": _hours(cell.elsewhere),
                            }
                            for week, cell in zip(result.weeks, person.cells, strict=True)
                        ],
                    }
                    for person in result.people
                ],
                "over_allocations_total": result.over_total,
                "over_offset": result.over_offset,
                "over_allocations": [
                    {
                        "person": over.person.key,
                        "date": over.date.isoformat(),
                        "booked": _hours(over.booked),
                        "capacity": _hours(over.capacity),
                        "elsewhere": _hours(over.elsewhere),
                        "across_projects": over.across,
                        "projects": [
                            {
                                "id": p["id"],
                                "key": p["key"],
                                "name": p["name"],
                                "hours": _hours(p["hours"]),
                                "tasks": [{"id": pk, "name": name} for pk, name in p["tasks"]],
                            }
                            for p in over.projects
                        ],
                    }
                    for over in result.over
                ],
            }
        )
