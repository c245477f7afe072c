"""The RACI matrix: its cells (read), its rows (written whole, so the rule holds), its CSV.

A row is a deliverable or a work package and is named ``deliverable-<id>`` or
``work_package-<id>`` in URLs. ``PUT raci/rows/<row>/`` replaces the row's cells, ``PATCH`` sets
or clears the cells it names and keeps the others, ``DELETE`` clears the row. Every write leaves
the row with exactly one A and at least one R (or with no cells at all), or is refused with a 400
whose message names the row (``stakeholders.services.raci_set_row``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from projects.api.base import ProjectRelatedField, ProjectScopedViewSet, member_field
from projects.models import Deliverable, WorkPackage
from stakeholders import selectors, services
from stakeholders.api.downloads import CSVRenderer
from stakeholders.exports import raci_csv
from stakeholders.models import RaciEntry, Stakeholder
from stakeholders.services.raci import entry_key, party_name, row_entries, row_problem

TAGS = ["stakeholders"]
ROW_KINDS = {"deliverable": Deliverable, "work_package": WorkPackage}
ROW_REGEX = r"(?:deliverable|work_package)-\d+"


def row_key(row: Deliverable | WorkPackage) -> str:
    return f"{'deliverable' if isinstance(row, Deliverable) else 'work_package'}-{row.pk}"


class RaciEntrySerializer(serializers.ModelSerializer):
    row = serializers.SerializerMethodField(help_text="The row's key, e.g. `work_package-12`.")
    row_label = serializers.SerializerMethodField()
    party_name = serializers.SerializerMethodField()

    class Meta:
        model = RaciEntry
        fields = (
            "id",
            "deliverable",
            "work_package",
            "stakeholder",
            "user",
            "role",
            "row",
            "row_label",
            "party_name",
        )
        read_only_fields = fields

    def get_row(self, entry: RaciEntry) -> str:
        return row_key(entry.row)

    def get_row_label(self, entry: RaciEntry) -> str:
        row = entry.row
        return f"{row.code} {row.name}" if isinstance(row, WorkPackage) else row.name

    def get_party_name(self, entry: RaciEntry) -> str:
        return party_name(entry.party)


@extend_schema_view(
    list=extend_schema(summary="The RACI matrix's cells, one per party and row"),
    retrieve=extend_schema(summary="One RACI cell"),
    destroy=extend_schema(
        summary="Clear one RACI cell (members)",
        description="Refused (400, naming the row) when it is its row's only A or only R.",
    ),
)
@extend_schema(tags=TAGS)
class RaciEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ProjectScopedViewSet
):
    """RACI cells: who is Responsible, Accountable, Consulted or Informed for a row. Write them a
    row at a time under ``raci/rows/``."""

    queryset = RaciEntry.objects.select_related(
        "deliverable", "work_package", "stakeholder", "user"
    )
    serializer_class = RaciEntrySerializer
    filterset_fields = ("deliverable", "work_package", "stakeholder", "user", "role")
    ordering_fields = ("id", "role")
    ordering = ("id",)
    lookup_value_regex = r"\d+"

    def perform_destroy(self, instance: RaciEntry) -> None:
        services.raci_entry_delete(entry=instance, by=self.request.user)

    @extend_schema(
        summary="The RACI matrix as CSV",
        description=(
            "One line per row (work packages in WBS order, then deliverables), one column per "
            "stakeholder and team member. Text that a spreadsheet would run as a formula is "
            "quoted."
        ),
        responses={(200, "text/csv"): OpenApiTypes.STR},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONRenderer, CSVRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(raci_csv(self.project), content_type="text/csv; charset=utf-8")
        filename = f"{self.project.key}-raci.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- rows -----------------------------------------------------------------------------------------


class RaciCellSerializer(serializers.Serializer):
    stakeholder = ProjectRelatedField(
        queryset=Stakeholder.objects.all(),
        required=False,
        allow_null=True,
        help_text="A stakeholder of the project, or…",
    )
    user = member_field(help_text="…a member of the project (user id).")
    role = serializers.ChoiceField(
        choices=RaciEntry.Role.choices,
        allow_null=True,
        help_text="R, A, C or I; null clears the cell (PATCH).",
    )
    name = serializers.CharField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("stakeholder")) == bool(attrs.get("user")):
            raise serializers.ValidationError("Name a stakeholder or a user: one of the two.")
        if "role" not in attrs:
            raise serializers.ValidationError({"role": "Give the role, or null to clear the cell."})
        return attrs


class RaciRowSerializer(serializers.Serializer):
    row = serializers.CharField(
        read_only=True, help_text="`deliverable-<id>` or `work_package-<id>`."
    )
    kind = serializers.ChoiceField(choices=list(ROW_KINDS), read_only=True)
    deliverable = serializers.IntegerField(read_only=True, allow_null=True)
    work_package = serializers.IntegerField(read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    cells = RaciCellSerializer(
        many=True,
        help_text=(
            "PUT: the whole row (parties left out lose their cell; an empty list clears it). "
            "PATCH: only the cells to set, or to clear with a null role."
        ),
    )
    problem = serializers.CharField(
        read_only=True,
        help_text="The rule the row breaks, or empty (a row written before the rule existed).",
    )

    def validate_cells(self, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen = set()
        for cell in cells:
            party = cell.get("stakeholder") or cell.get("user")
            key = ("s" if cell.get("stakeholder") else "u", party.pk)
            if key in seen:
                raise serializers.ValidationError(f"{party_name(party)} has two cells in the row.")
            seen.add(key)
            if not self.partial and cell["role"] is None:
                raise serializers.ValidationError(
                    "A PUT lists the cells the row keeps; leave a party out to clear its cell."
                )
        return cells


class RaciCellOutSerializer(serializers.Serializer):
    stakeholder = serializers.IntegerField(allow_null=True, help_text="Stakeholder id, or null.")
    user = serializers.IntegerField(allow_null=True, help_text="User id, or null.")
    role = serializers.ChoiceField(choices=RaciEntry.Role.choices)
    name = serializers.CharField()


class RaciRowOutSerializer(RaciRowSerializer):
    cells = RaciCellOutSerializer(many=True, read_only=True)


def _row_data(row: Deliverable | WorkPackage, entries: list[RaciEntry]) -> dict[str, Any]:
    is_wp = isinstance(row, WorkPackage)
    names = {entry_key(e): party_name(e.party) for e in entries}
    roles = {entry_key(e): e.role for e in entries}
    return {
        "row": row_key(row),
        "kind": "work_package" if is_wp else "deliverable",
        "deliverable": None if is_wp else row.pk,
        "work_package": row.pk if is_wp else None,
        "label": f"{row.code} {row.name}" if is_wp else row.name,
        "cells": [
            {
                "stakeholder": e.stakeholder_id,
                "user": e.user_id,
                "role": e.role,
                "name": names[entry_key(e)],
            }
            for e in sorted(entries, key=lambda e: ("RACI".index(e.role), names[entry_key(e)]))
        ],
        "problem": row_problem(row, roles, names),
    }


ROW_PARAMETER = OpenApiParameter(
    "row",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The row: `deliverable-<id>` or `work_package-<id>`.",
    pattern=f"^{ROW_REGEX}$",
)


@extend_schema_view(
    list=extend_schema(
        summary="The RACI matrix, row by row", responses=RaciRowOutSerializer(many=True)
    ),
    retrieve=extend_schema(
        summary="One RACI row", parameters=[ROW_PARAMETER], responses=RaciRowOutSerializer
    ),
    update=extend_schema(
        summary="Replace a RACI row (members)",
        description=(
            "The row's cells after the edit: exactly one A and at least one R, or none at all. "
            "A 400 names the row and what it breaks."
        ),
        parameters=[ROW_PARAMETER],
        responses={200: RaciRowOutSerializer, 400: OpenApiResponse(description="The rule broke.")},
    ),
    partial_update=extend_schema(
        summary="Set or clear some cells of a RACI row (members)",
        parameters=[ROW_PARAMETER],
        responses={200: RaciRowOutSerializer, 400: OpenApiResponse(description="The rule broke.")},
    ),
    destroy=extend_schema(summary="Clear a RACI row (members)", parameters=[ROW_PARAMETER]),
)
@extend_schema(tags=TAGS)
class RaciRowViewSet(ProjectScopedViewSet):
    """RACI rows (deliverables and work packages), written whole so each keeps one A."""

    queryset = RaciEntry.objects.all()
    serializer_class = RaciRowSerializer
    filter_backends: list = []
    lookup_field = "row"
    lookup_url_kwarg = "row"
    lookup_value_regex = ROW_REGEX

    def get_row(self) -> Deliverable | WorkPackage:
        kind, _, pk = self.kwargs["row"].rpartition("-")
        model = ROW_KINDS.get(kind)
        if model is None:
            raise Http404
        row = model.objects.filter(project=self.project, pk=int(pk)).first()
        if row is None:
            raise Http404("No such RACI row in this project.")
        return row

    def _respond(self, row: Deliverable | WorkPackage, code: int = status.HTTP_200_OK) -> Response:
        entries = list(row_entries(row).values())
        return Response(RaciRowOutSerializer(_row_data(row, entries)).data, status=code)

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        matrix = selectors.raci_matrix(self.project)
        columns = matrix["columns"]
        rows = []
        for item in matrix["rows"]:
            row = item["row"]
            cells = [
                {
                    "stakeholder": column["key"][1] if column["key"][0] == "s" else None,
                    "user": column["key"][1] if column["key"][0] == "u" else None,
                    "role": role,
                    "name": column["name"],
                }
                for column, role in zip(columns, item["cells"], strict=True)
                if role
            ]
            rows.append(
                {
                    "row": row_key(row),
                    "kind": item["kind"],
                    "deliverable": row.pk if item["kind"] == "deliverable" else None,
                    "work_package": row.pk if item["kind"] == "work_package" else None,
                    "label": item["label"],
                    "cells": cells,
                    "problem": item["problem"],
                }
            )
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(RaciRowOutSerializer(page, many=True).data)
        return Response(RaciRowOutSerializer(rows, many=True).data)

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_row())

    def _write(self, request, *, partial: bool) -> Response:
        row = self.get_row()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        cells = {
            cell.get("stakeholder") or cell.get("user"): cell["role"]
            for cell in serializer.validated_data.get("cells", [])
        }
        services.raci_set_row(
            project=self.project, by=request.user, row=row, cells=cells, replace=not partial
        )
        return self._respond(row)

    def update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=False)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, partial=True)

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        services.raci_clear_row(project=self.project, by=request.user, row=self.get_row())
        return Response(status=status.HTTP_204_NO_CONTENT)
