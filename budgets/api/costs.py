"""Actual costs and commitments, with the CSV import (all or nothing) and the CSV and Excel
exports of costs."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from budgets import selectors, services
from budgets.api.fields import MoneyField, money
from budgets.models import Commitment, CostEntry
from budgets.services.costs import MAX_IMPORT_ROWS
from projects.api.base import (
    DeletableRecordViewSet,
    ProjectRelatedField,
    Writes,
    crud_schema,
    edit_responses,
    version_field,
)
from scheduling.models import Task

TAGS = ["budgets"]
# A CSV of MAX_IMPORT_ROWS rows is far below this; anything bigger is not a cost list.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- cost entries ---------------------------------------------------------------------------------


class CostEntrySerializer(serializers.ModelSerializer):
    amount = MoneyField(
        help_text='Positive, as on the invoice, e.g. "1250.00"; a refund is kind "credit".'
    )
    signed_amount = money(help_text="As it counts in actual cost: credits negative.")
    task = ProjectRelatedField(
        queryset=Task.objects.all(),
        required=False,
        allow_null=True,
        help_text="The task it was spent on (a task of this project).",
    )
    version = version_field()

    class Meta:
        model = CostEntry
        fields = (
            "id",
            "date",
            "kind",
            "amount",
            "signed_amount",
            "category",
            "task",
            "vendor",
            "invoice_reference",
            "note",
            "created_by",
            "created_at",
            "version",
        )
        read_only_fields = ("created_by", "created_at")
        extra_kwargs = {
            "category": {"help_text": "What it was spent on; reserves are not spent directly."},
        }


class CostImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8, with a header row: date, amount, category, and optionally kind, "
        "task (id or name), vendor, invoice_reference, note."
    )


class CostImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Cost entries imported.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The line in the file; the header is line 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class CostImportErrorsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)


@crud_schema(
    serializer=CostEntrySerializer,
    list="The project's actual costs, newest first",
    create="Record a cost, or a credit (members)",
    record="a cost entry",
    destroy="Delete a cost entry (members)",
    import_csv=extend_schema(
        summary="Import cost entries from CSV: all rows or none (members)",
        description="Every row is checked first; if any is bad, nothing is imported and the "
        "answer lists every problem by line and column.",
        request={"multipart/form-data": CostImportSerializer},
        responses={201: CostImportResultSerializer, 400: CostImportErrorsSerializer},
    ),
    export_csv=extend_schema(
        summary="The cost entries as a CSV file",
        description="The import's columns plus the task's name; a cell that a spreadsheet "
        "would run as a formula starts with a quote.",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    ),
    export_xlsx=extend_schema(
        operation_id="projects_cost_entries_export_xlsx_retrieve",
        summary="The cost entries as an Excel workbook",
        description="The CSV export's columns; dates are dates, amounts numbers with two "
        "decimals, and every text cell is stored as text, never as a formula.",
        responses={(200, XLSX): OpenApiTypes.BINARY},
    ),
)
@extend_schema(tags=TAGS)
class CostEntryViewSet(DeletableRecordViewSet):
    """Money actually spent (invoices, receipts) and credits that give some back. Amounts are
    positive decimal strings; a credit counts negative in actual cost."""

    queryset = CostEntry.objects.all()
    serializer_class = CostEntrySerializer
    filterset_fields = {
        "date": ["exact", "gte", "lte"],
        "category": ["exact"],
        "kind": ["exact"],
        "task": ["exact", "isnull"],
    }
    search_fields = ("vendor", "invoice_reference", "note")
    ordering_fields = ("date", "amount", "category", "vendor", "id")
    ordering = ("-date", "-id")
    writes = Writes(
        "entry",
        create=services.cost_entry_create,
        update=services.cost_entry_update,
        delete=services.cost_entry_delete,
    )

    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        serializer_class=CostImportSerializer,
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_csv(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise serializers.ValidationError(
                {
                    "file": f"The file is {upload.size // 1024} KB; import at most "
                    f"{MAX_IMPORT_ROWS} rows ({MAX_IMPORT_BYTES // 1024 // 1024} MB) at a time."
                }
            )
        report = services.cost_entries_import(
            project=self.project, by=request.user, file=upload.read()
        )
        if not report.ok:
            problems = len(report.errors)
            data = {
                "detail": f"Nothing was imported: the file has {problems} "
                f"problem{'s' if problems != 1 else ''}. Fix them and import it again.",
                "errors": [
                    {"row": e.row, "field": e.field, "message": e.message} for e in report.errors
                ],
            }
            return Response(
                CostImportErrorsSerializer(data).data, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"created": len(report.created)}, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"], url_path="export", filter_backends=[])
    def export_csv(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        # A byte-order mark so that spreadsheets read the file as UTF-8 (the import skips it).
        body = "\ufeff" + selectors.cost_entries_csv(self.project)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        filename = f"{self.project.key}-cost-entries.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # Its own URL rather than ?format=xlsx, which DRF reads as a renderer choice.
    @action(
        detail=False,
        methods=["get"],
        url_path="export.xlsx",
        url_name="export-xlsx",
        filter_backends=[],
    )
    def export_xlsx(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(selectors.cost_entries_xlsx(self.project), content_type=XLSX)
        filename = f"{self.project.key}-cost-entries.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- commitments ----------------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    amount = MoneyField(help_text='Positive, e.g. "1250.00".')
    version = version_field()

    class Meta:
        model = Commitment
        fields = (
            "id",
            "date",
            "amount",
            "category",
            "vendor",
            "reference",
            "note",
            "status",
            "version",
        )
        read_only_fields = ("status",)
        extra_kwargs = {"status": {"help_text": "Open until closed as invoiced or cancelled."}}


class CommitmentCloseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Commitment.Status.INVOICED, Commitment.Status.CANCELLED],
        help_text="invoiced (its cost is now a cost entry) or cancelled.",
    )
    version = version_field()


@crud_schema(
    serializer=CommitmentSerializer,
    list="The project's commitments (ordered, not yet invoiced)",
    create="Record a purchase order or a signed contract (members)",
    record="an open commitment",
    retrieve="One commitment",
    destroy="Delete a commitment (members)",
    close=extend_schema(
        summary="Close an open commitment as invoiced or cancelled (members)",
        responses=edit_responses(CommitmentSerializer),
    ),
)
@extend_schema(tags=TAGS)
class CommitmentViewSet(DeletableRecordViewSet):
    """Money promised but not yet invoiced; open commitments count in the budget's
    ``committed`` column until closed."""

    queryset = Commitment.objects.all()
    serializer_class = CommitmentSerializer
    filterset_fields = ("status", "category")
    search_fields = ("vendor", "reference", "note")
    ordering_fields = ("date", "amount", "category", "status", "id")
    ordering = ("-date", "-id")
    writes = Writes(
        "commitment",
        create=services.commitment_create,
        update=services.commitment_update,
        delete=services.commitment_delete,
    )

    @action(detail=True, methods=["post"], serializer_class=CommitmentCloseSerializer)
    def close(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = services.commitment_close(
            commitment=self.get_object(),
            by=request.user,
            to=serializer.validated_data["status"],
            version=serializer.validated_data.get("version"),
        )
        return Response(
            CommitmentSerializer(
                self.reread(commitment), context=self.get_serializer_context()
            ).data
        )
