"""Budget lines, the budget summary with the approved-budget trail, and earned value.

Reserve lines (contingency and management reserve) are the manager's to set: they are the
money held back for the unknown, and moving it is a decision about the approved budget.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, serializers
from rest_framework.response import Response

from budgets import selectors, services
from budgets.api.fields import MoneyField, money, ratio
from budgets.models import BudgetLine, Category
from projects.api.base import (
    DeletableRecordViewSet,
    ProjectRelatedField,
    ProjectSingletonViewSet,
    crud_schema,
    version_field,
)
from projects.models import Role, WorkPackage
from scheduling.models import Phase

TAGS = ["budgets"]
RESERVES = frozenset({Category.CONTINGENCY, Category.MANAGEMENT_RESERVE})


# --- budget lines ---------------------------------------------------------------------------------


class BudgetLineSerializer(serializers.ModelSerializer):
    planned_amount = MoneyField(
        help_text='In the project\'s currency, e.g. "1250.00"; not negative.'
    )
    work_package = ProjectRelatedField(
        queryset=WorkPackage.objects.all(),
        required=False,
        allow_null=True,
        help_text="The work package it is for (or a phase, not both).",
    )
    phase = ProjectRelatedField(
        queryset=Phase.objects.all(),
        required=False,
        allow_null=True,
        help_text="The phase it is for (or a work package, not both).",
    )
    version = version_field()

    class Meta:
        model = BudgetLine
        fields = (
            "id",
            "category",
            "name",
            "planned_amount",
            "work_package",
            "phase",
            "note",
            "version",
        )
        extra_kwargs = {
            "category": {
                "help_text": "Contingency and management reserve lines are set by managers."
            }
        }


@crud_schema(
    serializer=BudgetLineSerializer,
    list="The project's budget lines, by category",
    retrieve="One budget line",
    create="Add a budget line (members; reserve lines: managers)",
    update="Edit a budget line (members; reserve lines: managers)",
    partial_update="Edit some fields of a budget line (members; reserve lines: managers)",
    destroy="Delete a budget line (members; reserve lines: managers)",
)
@extend_schema(tags=TAGS)
class BudgetLineViewSet(DeletableRecordViewSet):
    """Planned money per category, optionally for a work package or a phase. The approved
    budget is frozen with the performance baseline (see ``/budget/``), so editing lines later
    changes the plan, not what was approved."""

    queryset = BudgetLine.objects.select_related("work_package", "phase")
    serializer_class = BudgetLineSerializer
    filterset_fields = ("category", "work_package", "phase")
    search_fields = ("name", "note")
    ordering_fields = ("category", "planned_amount", "name", "id")
    ordering = ("category", "id")

    def _check_reserve(self, *categories: str) -> None:
        if RESERVES & set(categories):
            self.require_role(Role.MANAGER, "set a reserve")

    def perform_create(self, serializer: BudgetLineSerializer) -> None:
        fields, _ = self.split_version(serializer)
        self._check_reserve(fields.get("category", ""))
        line = services.budget_line_create(project=self.project, by=self.request.user, **fields)
        serializer.instance = self.reread(line)

    def perform_update(self, serializer: BudgetLineSerializer) -> None:
        changes, version = self.split_version(serializer)
        self._check_reserve(serializer.instance.category, changes.get("category", ""))
        line = services.budget_line_update(
            line=serializer.instance, by=self.request.user, version=version, **changes
        )
        serializer.instance = self.reread(line)

    def perform_destroy(self, instance: BudgetLine) -> None:
        self._check_reserve(instance.category)
        services.budget_line_delete(line=instance, by=self.request.user)


# --- the budget summary ---------------------------------------------------------------------------


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    label = serializers.CharField()
    planned = money(help_text="Σ budget lines.")
    committed = money(help_text="Σ open commitments (ordered, not yet invoiced).")
    actual = money(help_text="Σ cost entries (credits subtracted); labour adds logged time.")
    variance = money(help_text="Planned − actual; negative when overspent.")
    available = money(help_text="Planned − actual − committed.")


class TotalsSerializer(serializers.Serializer):
    planned = money()
    committed = money()
    actual = money()
    variance = money()
    available = money()


class AdjustmentSerializer(serializers.Serializer):
    change_request = serializers.IntegerField(help_text="The approved change request's id.")
    ref = serializers.CharField(help_text="CR-001, …")
    title = serializers.CharField()
    amount = money(help_text="Negative when the change lowers the budget.")
    reason = serializers.CharField()
    approved_by = serializers.IntegerField(allow_null=True)
    approved_at = serializers.DateTimeField()
    counted = serializers.BooleanField(
        help_text="False when approved before the budget was frozen (already in it)."
    )


class ApprovedBudgetSerializer(serializers.Serializer):
    is_frozen = serializers.BooleanField(
        help_text="Frozen with the performance baseline; until then it is the budget lines."
    )
    baseline = serializers.IntegerField(allow_null=True, help_text="The performance baseline.")
    frozen = money(help_text="The amount frozen with the baseline (or Σ lines).")
    total = money(help_text="Frozen + every adjustment approved since.")
    adjustments = AdjustmentSerializer(many=True)


class DifferenceSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            "lines_vs_approved",
            "tasks_vs_approved",
            "lines_vs_tasks",
            "lines_less_reserves_vs_tasks",
        ]
    )
    amount = money(help_text="The first total minus the second.")
    sentence = serializers.CharField(help_text="The difference in words, as the page says it.")


class ReconciliationSerializer(serializers.Serializer):
    lines = money(help_text="Σ budget lines, reserves included.")
    reserves = money(help_text="The contingency and management reserve lines among them.")
    approved = money(help_text="The approved budget (BAC).")
    task_costs = money(help_text="Σ planned task costs (fixed + labour) of the current plan.")
    tasks_without_cost = serializers.IntegerField(help_text="Tasks (not milestones) with no cost.")
    differences = DifferenceSerializer(many=True)
    net_of_reserves = DifferenceSerializer(
        allow_null=True, help_text="Budget lines less the reserves vs the task costs."
    )


class BudgetSummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    rows = CategoryRowSerializer(many=True, help_text="Categories with any money, in order.")
    totals = TotalsSerializer()
    approved = ApprovedBudgetSerializer()
    reconciliation = ReconciliationSerializer(
        help_text="Budget lines vs approved budget vs task costs, as the reconciliation page."
    )


@extend_schema(tags=TAGS)
class BudgetViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """The money picture: per category planned, committed, actual and variance, and the approved
    budget with its trail of change requests."""

    queryset = BudgetLine.objects.all()
    serializer_class = BudgetSummarySerializer
    filter_backends: list = []

    @extend_schema(summary="Budget per category and the approved-budget trail")
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        summary = selectors.budget_summary(self.project)
        approved = summary["approved"]
        data = {
            "currency": self.project.currency,
            "rows": summary["rows"],
            "totals": summary["totals"],
            "approved": {
                "is_frozen": approved["is_frozen"],
                "baseline": approved["snapshot"].baseline_id if approved["snapshot"] else None,
                "frozen": approved["frozen"],
                "total": approved["total"],
                "adjustments": [
                    {
                        "change_request": row["adjustment"].change_request_id,
                        "ref": row["adjustment"].change_request.ref,
                        "title": row["adjustment"].change_request.title,
                        "amount": row["adjustment"].amount,
                        "reason": row["adjustment"].reason,
                        "approved_by": row["adjustment"].approved_by_id,
                        "approved_at": row["adjustment"].approved_at,
                        "counted": row["counted"],
                    }
                    for row in approved["adjustments"]
                ],
            },
            "reconciliation": selectors.budget_reconciliation(self.project)["result"],
        }
        return Response(BudgetSummarySerializer(data).data)


# --- earned value ---------------------------------------------------------------------------------


class EvmQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="The status date; today in the project's time zone when left out.",
    )
    series = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data: Any) -> Any:
        # DRF's DateField message has no room for the value; say which one was wrong.
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if "as_of" in error.detail:
                error.detail["as_of"] = [
                    f"“{data.get('as_of')}” is not a date: give the status date as YYYY-MM-DD, "
                    "e.g. 2026-03-31."
                ]
            raise

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Bounds the S-curve too: one point a week, so a status date in year 1 or 9999 would
        # mean hundreds of thousands of points (and 9999 overflows the last week).
        as_of = attrs.get("as_of")
        if as_of is not None and not 1900 <= as_of.year <= 2200:
            raise serializers.ValidationError(
                {"as_of": "Give a status date between the years 1900 and 2200."}
            )
        return attrs


class EacMethodsSerializer(serializers.Serializer):
    bac_over_cpi = money(
        allow_null=True, help_text="BAC / CPI: the cost efficiency so far continues (= eac)."
    )
    ac_plus_remaining_budget = money(help_text="AC + (BAC − EV): the rest goes as budgeted.")
    ac_plus_remaining_over_cpi_spi = money(
        allow_null=True,
        help_text="AC + (BAC − EV) / (CPI × SPI): cost and schedule both weigh on the rest.",
    )


class SeriesPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    pv = money()
    ev = money(allow_null=True, help_text="Null after the status date.")
    ac = money(allow_null=True, help_text="Null after the status date.")


class EarnedValueSerializer(serializers.Serializer):
    bac = money(help_text="Budget at completion: the approved budget.")
    pv = money(help_text="Planned value at the status date.")
    ev = money(help_text="Earned value: the budget of the work done.")
    ac = money(help_text="Actual cost up to the status date.")
    sv = money(help_text="Schedule variance, EV − PV.")
    cv = money(help_text="Cost variance, EV − AC.")
    spi = ratio(help_text="EV / PV; null when PV is 0.")
    cpi = ratio(help_text="EV / AC; null when AC is 0.")
    eac = money(allow_null=True, help_text="Estimate at completion, BAC / CPI.")
    etc = money(allow_null=True, help_text="Estimate to complete, EAC − AC.")
    vac = money(allow_null=True, help_text="Variance at completion, BAC − EAC.")
    tcpi = ratio(
        help_text="(BAC − EV) / (BAC − AC): the efficiency the rest of the work needs to finish "
        "on budget; null once AC reaches BAC (no budget left to divide by), with `tcpi_note`."
    )
    tcpi_note = serializers.CharField(help_text="Why `tcpi` is null; empty when it is not.")
    tcpi_eac = ratio(
        help_text="(BAC − EV) / (EAC − AC): the efficiency the rest of the work needs to finish "
        "at the estimate; null without an EAC or once AC reaches it, with `tcpi_eac_note`."
    )
    tcpi_eac_note = serializers.CharField(help_text="Why `tcpi_eac` is null; empty when it is not.")
    eac_methods = EacMethodsSerializer(help_text="EAC by the three common methods.")
    series = SeriesPointSerializer(
        many=True,
        required=False,
        help_text="With ?series=1: the weekly S-curve of cumulative PV, EV and AC.",
    )


@extend_schema(tags=TAGS)
class EarnedValueViewSet(mixins.RetrieveModelMixin, ProjectSingletonViewSet):
    """Earned value at a status date (DESIGN §4): against the performance baseline, or the
    current plan when there is none."""

    queryset = BudgetLine.objects.all()
    serializer_class = EarnedValueSerializer
    filter_backends: list = []

    @extend_schema(
        summary="Earned value at a status date",
        description="Money as decimal strings, ratios to 4 places; a ratio whose denominator is "
        "zero is null, and so is money derived from it.",
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description="The status date, YYYY-MM-DD; today (in the project's time zone) "
                "when left out.",
            ),
            OpenApiParameter(
                "series", OpenApiTypes.BOOL, description="Add the weekly S-curve (`series`)."
            ),
        ],
        responses={200: EarnedValueSerializer, 400: OpenApiResponse(description="Bad as_of.")},
    )
    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        query = EvmQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or self.project.today()
        result = selectors.evm_for(self.project, as_of)
        data: dict[str, Any] = {
            name: getattr(result, name)
            for name in ("bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi", "eac", "etc", "vac")
        }
        for name in ("tcpi", "tcpi_note", "tcpi_eac", "tcpi_eac_note"):
            data[name] = getattr(result, name)
        data["eac_methods"] = {
            "bac_over_cpi": result.eac_cpi,
            "ac_plus_remaining_budget": result.eac_budget_rate,
            "ac_plus_remaining_over_cpi_spi": result.eac_cpi_spi,
        }
        if query.validated_data["series"]:
            data["series"] = [
                {"date": p.date, "pv": p.pv, "ev": p.ev, "ac": p.ac}
                for p in selectors.evm_series(self.project, as_of)
            ]
        return Response(EarnedValueSerializer(data).data)
