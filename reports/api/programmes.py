"""Programmes in the API (DESIGN §5 ``/api/v1/programmes/`` and ``…/{pk}/kpis/``).

``/programmes/`` lists the reader's programmes and creates one (its creator manages it);
``/programmes/{pk}/`` reads, edits (with ``version``: a stale one is 409) and deletes it
(managers); ``…/projects/`` puts a project the reader manages in it and ``…/projects/{project}/``
takes one out; ``…/members/`` lists and adds members (by username among colleagues) and
``…/members/{member}/`` removes one; ``…/kpis/`` is the roll-up. A non-member gets 404 on all of
them; a member who does not manage the programme gets 403 on its writes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from projects import clock
from projects.api.base import version_field
from projects.models import Programme, ProgrammeMembership, Project
from projects.programmes import (
    get_programme_for,
    programme_members,
    programmes_for,
)
from projects.selectors import projects_for
from projects.services import programmes as services
from reports.selectors.programmes import FIGURES, programme_forecast, programme_rollup

TAGS = ["programmes"]


class ProgrammeSerializer(serializers.ModelSerializer):
    my_role = serializers.CharField(read_only=True)
    projects = serializers.SerializerMethodField()
    version = version_field()

    class Meta:
        model = Programme
        fields = ["id", "key", "name", "description", "currency", "my_role", "projects", "version"]

    def get_projects(self, programme: Programme) -> list[dict[str, Any]]:
        """The programme's projects: id, key and name (what any programme member may read)."""
        return [{"id": p.pk, "key": p.key, "name": p.name} for p in programme.projects.all()]


class ProgrammeProjectSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="The id of an open project you manage.")


class ProgrammeMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(
        choices=ProgrammeMembership.Role.choices, default=ProgrammeMembership.Role.MEMBER
    )

    class Meta:
        model = ProgrammeMembership
        fields = ["id", "username", "role", "created_at"]
        read_only_fields = ["id", "created_at"]


class RollupRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.pk")
    key = serializers.CharField(source="project.key")
    name = serializers.CharField(source="project.name")
    member = serializers.BooleanField(
        source="visible", help_text="Whether you are a member of the project (may open it)."
    )
    currency = serializers.CharField(source="project.currency")
    rate = serializers.DecimalField(
        max_digits=24, decimal_places=8, allow_null=True, help_text="Null: no rate (not summed)."
    )
    health = serializers.CharField(allow_blank=True)
    start_date = serializers.DateField(source="project.start_date")
    target_finish = serializers.DateField(source="project.target_finish")
    forecast_finish = serializers.DateField(source="snapshot.forecast_finish", allow_null=True)
    p_target_finish = serializers.FloatField(source="snapshot.p_target_finish", allow_null=True)
    spi = serializers.DecimalField(
        source="snapshot.spi", max_digits=8, decimal_places=4, allow_null=True
    )
    cpi = serializers.DecimalField(
        source="snapshot.cpi", max_digits=8, decimal_places=4, allow_null=True
    )
    figures = serializers.DictField(
        child=serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True),
        help_text="bac, pv, ev, ac, eac in the programme's currency (null: not converted).",
    )


class ProgrammeForecastSerializer(serializers.Serializer):
    """When the programme's last project finishes: independent projects from their latest
    forecasts (the chance all have finished by a day is the product of theirs), projects that
    wait for each other from one joint simulation on the worker."""

    percentiles = serializers.SerializerMethodField()
    p_all_targets = serializers.FloatField(
        allow_null=True,
        help_text="Chance every project meets its own target (0–1); a lower bound when "
        "`p_all_at_least` (linked projects are more likely on time together).",
    )
    p_all_at_least = serializers.BooleanField(read_only=True)
    linked = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Keys of projects that wait for each other, simulated together.",
    )
    pending = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Linked projects whose joint simulation is being computed (counted as "
        "independent meanwhile).",
    )
    covered = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Open projects without a forecast, left out."
    )

    def get_percentiles(self, forecast) -> dict[str, str]:
        """``{"P50": "2026-03-09", "P80": …, "P90": …}``."""
        return {f"P{p}": day.isoformat() for p, day in forecast.percentiles.items()}


class RollupSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    currency = serializers.CharField(source="programme.currency")
    totals = serializers.DictField(
        child=serializers.DecimalField(max_digits=20, decimal_places=2),
        help_text=f"Sums of {', '.join(FIGURES)} over the projects counted.",
    )
    spi = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    cpi = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
    counted = serializers.IntegerField(help_text="Projects in the sums.")
    missing_rates = serializers.ListField(
        child=serializers.CharField(),
        help_text="Currencies with no rate to the programme's on as_of.",
    )
    projects = RollupRowSerializer(source="rows", many=True)
    milestones = serializers.SerializerMethodField()
    risks = serializers.SerializerMethodField()
    finish_forecast = serializers.SerializerMethodField()

    @extend_schema_field(ProgrammeForecastSerializer)
    def get_finish_forecast(self, rollup) -> dict[str, Any]:
        return ProgrammeForecastSerializer(programme_forecast(rollup.programme)).data

    def get_milestones(self, rollup) -> list[dict[str, Any]]:
        """Open milestones of the projects you are a member of, soonest first."""
        return [
            {"project": t.project.key, "task": t.pk, "name": t.name, "finish": t.finish_date}
            for t in rollup.milestones
        ]

    def get_risks(self, rollup) -> list[dict[str, Any]]:
        """Live risks of the projects you are a member of, highest score first."""
        return [
            {"project": r.project.key, "risk": r.pk, "title": r.title, "score": r.score}
            for r in rollup.risks
        ]


@extend_schema_view(
    list=extend_schema(summary="My programmes"),
    create=extend_schema(summary="Create a programme (you become its manager)"),
    retrieve=extend_schema(summary="A programme"),
    partial_update=extend_schema(summary="Edit a programme (managers; send `version`)"),
    update=extend_schema(summary="Edit a programme (managers; send `version`)"),
    destroy=extend_schema(summary="Delete a programme (managers); its projects stay"),
)
@extend_schema(tags=TAGS)
class ProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProgrammeSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        # The projects of every programme listed in one query (get_projects).
        projects = Project.objects.only("pk", "key", "name", "programme_id").order_by("key")
        return (
            programmes_for(self.request.user)
            .order_by("key")
            .prefetch_related(Prefetch("projects", queryset=projects))
        )

    def get_object(self) -> Programme:
        writes = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return get_programme_for(self.request.user, self.kwargs["pk"], manage=writes)

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        data.pop("version", None)
        programme = services.programme_create(by=self.request.user, **data)
        serializer.instance = programmes_for(self.request.user).get(pk=programme.pk)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        services.programme_update(
            programme=serializer.instance, by=self.request.user, version=version, **data
        )
        serializer.instance = programmes_for(self.request.user).get(pk=serializer.instance.pk)

    def perform_destroy(self, instance: Programme) -> None:
        services.programme_delete(programme=instance, by=self.request.user)

    @extend_schema(summary="The programme's roll-up", responses=RollupSerializer)
    @action(detail=True, methods=["get"], serializer_class=RollupSerializer)
    def kpis(self, request: Request, pk: str) -> Response:
        """Figures in the programme's currency at the rates effective today; SPI and CPI from
        the sums (ΣEV/ΣPV, ΣEV/ΣAC); a currency without a rate is listed, not summed."""
        programme = get_programme_for(request.user, pk)
        rollup = programme_rollup(programme, request.user, as_of=clock.today())
        return Response(RollupSerializer(rollup).data)

    @extend_schema(
        summary="Put a project you manage in the programme (managers)",
        request=ProgrammeProjectSerializer,
        responses={201: ProgrammeSerializer},
    )
    @action(detail=True, methods=["post"], url_path="projects")
    def add_project(self, request: Request, pk: str) -> Response:
        programme = get_programme_for(request.user, pk, manage=True)
        serializer = ProgrammeProjectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = projects_for(request.user).filter(pk=serializer.validated_data["project"])
        project = project.first()
        if project is None:
            raise serializers.ValidationError(
                {"project": ["You are not a member of that project."]}
            )
        services.programme_project_add(programme=programme, project=project, by=request.user)
        return Response(
            ProgrammeSerializer(programmes_for(request.user).get(pk=programme.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Take a project out of the programme (managers)",
        parameters=[OpenApiParameter("project_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"projects/(?P<project_id>\d+)")
    def remove_project(self, request: Request, pk: str, project_id: str) -> Response:
        programme = get_programme_for(request.user, pk, manage=True)
        project = get_object_or_404(Project.objects.filter(programme=programme), pk=project_id)
        services.programme_project_remove(programme=programme, project=project, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["get"],
        summary="The programme's members",
        responses=ProgrammeMemberSerializer(many=True),
    )
    @extend_schema(
        methods=["post"],
        summary="Add a member by username, among people you work with (managers)",
        request=ProgrammeMemberSerializer,
        responses={201: ProgrammeMemberSerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=ProgrammeMemberSerializer)
    def members(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            programme = get_programme_for(request.user, pk)
            data = ProgrammeMemberSerializer(programme_members(programme), many=True).data
            return Response(data)
        programme = get_programme_for(request.user, pk, manage=True)
        serializer = ProgrammeMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.programme_member_add(
            programme=programme,
            by=request.user,
            username=serializer.validated_data["user"]["username"],
            role=serializer.validated_data["role"],
        )
        return Response(ProgrammeMemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a member (managers); the programme keeps a manager",
        parameters=[OpenApiParameter("member_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<member_pk>\d+)")
    def remove_member(self, request: Request, pk: str, member_pk: str) -> Response:
        programme = get_programme_for(request.user, pk, manage=True)
        membership = get_object_or_404(programme.memberships.select_related("user"), pk=member_pk)
        services.programme_member_remove(membership=membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
