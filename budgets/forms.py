"""Forms of the budget pages. They check what a person typed; ``budgets.services`` apply the
rules (money is read by the services, so a comma or a negative amount gets their message)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from budgets.models import Category, Commitment, CostEntry, Resource
from budgets.services.costs import SPENDABLE
from projects.display import person_name
from projects.forms import DateInput
from projects.models import Project, WorkPackage
from scheduling.models import Phase, Task

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "money-input"}


def _money_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(attrs=MONEY_ATTRS),
    )


class ServiceForm(forms.Form):
    """A form whose cleaned data goes to a service; editing carries the version it was read at,
    so a stale save is refused rather than silently overwriting someone else's edit."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def values(self) -> dict[str, Any]:
        """Every field but the version, leaving out empty optional choices."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value is not None
        }


def initial_of(instance: Any, names: list[str]) -> dict[str, Any]:
    initial = {name: getattr(instance, name) for name in names}
    initial["version"] = instance.version
    return initial


# --- budget lines ---------------------------------------------------------------------------------


class BudgetLineForm(ServiceForm):
    category = forms.ChoiceField(choices=Category.choices)
    name = forms.CharField(max_length=200, required=False, label="Description")
    planned_amount = _money_field("Planned amount")
    work_package = forms.ModelChoiceField(
        queryset=WorkPackage.objects.none(), required=False, empty_label="—"
    )
    phase = forms.ModelChoiceField(queryset=Phase.objects.none(), required=False, empty_label="—")
    note = forms.CharField(required=False, widget=forms.TextInput)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_package"].queryset = WorkPackage.objects.filter(project=project).order_by(
            "sort_key"
        )
        self.fields["work_package"].label_from_instance = lambda wp: f"{wp.code} {wp.name}"
        self.fields["phase"].queryset = Phase.objects.filter(project=project).order_by(
            "position", "id"
        )


# --- actual costs and commitments -----------------------------------------------------------------

SPENDABLE_CHOICES = [(c, Category(c).label) for c in SPENDABLE]


class CostEntryForm(ServiceForm):
    date = forms.DateField(widget=DateInput())
    kind = forms.ChoiceField(choices=CostEntry.Kind.choices, initial=CostEntry.Kind.COST)
    amount = _money_field("Amount", help_text="Positive; a refund is a credit.")
    category = forms.ChoiceField(choices=SPENDABLE_CHOICES)
    task = forms.ModelChoiceField(queryset=Task.objects.none(), required=False, empty_label="—")
    vendor = forms.CharField(max_length=200, required=False)
    invoice_reference = forms.CharField(max_length=100, required=False, label="Invoice ref.")
    note = forms.CharField(required=False, widget=forms.TextInput)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(project=project).order_by(
            "early_start", "id"
        )


class CommitmentForm(ServiceForm):
    date = forms.DateField(widget=DateInput(), label="Ordered on")
    amount = _money_field("Amount")
    category = forms.ChoiceField(choices=SPENDABLE_CHOICES)
    vendor = forms.CharField(max_length=200, required=False)
    reference = forms.CharField(max_length=100, required=False, help_text="e.g. PO-2026-0142.")
    note = forms.CharField(required=False, widget=forms.TextInput)


class CommitmentCloseForm(forms.Form):
    to = forms.ChoiceField(
        choices=[
            (Commitment.Status.INVOICED, "Invoiced"),
            (Commitment.Status.CANCELLED, "Cancelled"),
        ]
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma-separated, a header row.")


class ActualsFilterForm(forms.Form):
    """The cost entry list's filters and sort; an invalid value is reported and ignored."""

    SORTS = {
        "date": "date",
        "amount": "amount",
        "category": "category",
        "vendor": "vendor",
        "kind": "kind",
    }
    category = forms.ChoiceField(
        choices=[("", "All categories"), *SPENDABLE_CHOICES], required=False
    )
    month = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="e.g. 2026-03",
    )
    sort = forms.ChoiceField(
        required=False, choices=[(f"{s}{n}", n) for n in SORTS for s in ("", "-")]
    )

    def clean_month(self) -> tuple[int, int] | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError("Write the month as YYYY-MM, e.g. 2026-03.")
        return int(match[1]), int(match[2])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        filters: dict[str, Any] = {}
        if data.get("category"):
            filters["category"] = data["category"]
        if data.get("month"):
            filters["date__year"], filters["date__month"] = data["month"]
        return filters

    @property
    def current_sort(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "-date"

    def ordering(self) -> list[str]:
        sort = self.current_sort
        field = ("-" if sort.startswith("-") else "") + self.SORTS[sort.lstrip("-")]
        return [field, "-date", "-id"]


# --- earned value, utilisation, levelling ---------------------------------------------------------


class StatusDateForm(forms.Form):
    as_of = forms.DateField(label="Status date", widget=DateInput(), required=False)


class UtilisationForm(forms.Form):
    start = forms.DateField(label="From the week of", widget=DateInput(), required=False)
    weeks = forms.TypedChoiceField(
        choices=[(n, f"{n} weeks") for n in (4, 8, 12, 16, 26)],
        coerce=int,
        required=False,
        empty_value=12,
    )


class PortfolioUtilisationForm(forms.Form):
    """The portfolio heat map's weeks (ISO weeks of ``start`` to ``end``) and role filter."""

    start = forms.DateField(label="From the week of", widget=DateInput(), required=False)
    end = forms.DateField(label="To the week of", widget=DateInput(), required=False)
    # A role is any text (roles are free text per resource); the page offers the roles found.
    role = forms.CharField(label="Role", required=False, max_length=120, widget=forms.Select)
    team = forms.CharField(label="Team", required=False, max_length=120, widget=forms.Select)
    # Where the list of over-allocated days starts (a page of OVER_PAGE from there).
    over = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def offer_roles(self, roles: list[str], teams: list[str] | None = None) -> None:
        self.fields["role"].widget.choices = [("", "Every role"), *((r, r) for r in roles)]
        self.fields["team"].widget.choices = [("", "Every team"), *((t, t) for t in teams or [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last week is before the first.")
            elif (end - start).days > 7 * 104:
                self.add_error("end", "Show at most 104 weeks at once.")
        return data


class LevellingForm(forms.Form):
    allow_past_float = forms.BooleanField(
        required=False,
        label="Allow moving tasks past their float",
        help_text="This can delay the project finish.",
    )


# --- resources ------------------------------------------------------------------------------------


class ResourceForm(ServiceForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Resource.Kind.choices, initial=Resource.Kind.PERSON)
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="— no account —",
        label="Member",
    )
    role = forms.CharField(max_length=120, required=False)
    rate = _money_field("Rate", required=False)
    rate_unit = forms.ChoiceField(choices=Resource.RateUnit.choices, label="Rate unit")
    capacity_hours = forms.CharField(
        label="Capacity (hours per working day)",
        initial="8.00",
        max_length=8,
        required=False,
        help_text="A member's is their person's, for every project (People).",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit_cost = _money_field("Unit cost", required=False)
    unit = forms.CharField(max_length=40, required=False, help_text="Non-labour: e.g. month.")
    is_placeholder = forms.BooleanField(
        required=False,
        label="Placeholder",
        help_text="A role booked before a name is known (no member).",
    )
    headcount = forms.IntegerField(
        min_value=1,
        max_value=999,
        initial=1,
        required=False,
        help_text="Placeholders: how many people.",
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(memberships__project=project).order_by("username")
        )
        self.fields["user"].label_from_instance = person_name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("rate", "unit_cost"):
            if name in data and not data[name]:
                data[name] = "0"
        if data.get("headcount") is None:
            data["headcount"] = 1
        if not data.get("capacity_hours") or (data.get("user") and not self.initial):
            # A member's capacity is their person's (the service copies it).
            data["capacity_hours"] = None
        return data


class PersonForm(forms.Form):
    """A person's capacity, team and default rate card (``services.person_update``)."""

    capacity_hours = forms.CharField(
        label="Capacity (hours per working day)",
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    team = forms.CharField(max_length=120, required=False)
    rate = _money_field("Default rate", required=False)
    rate_unit = forms.ChoiceField(choices=Resource.RateUnit.choices, label="Rate unit")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "rate" in data and not data["rate"]:
            data["rate"] = "0"
        return data


class PlaceholderAssignForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label="Named person", empty_label=None
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(memberships__project=project).order_by("username")
        )
        self.fields["user"].label_from_instance = person_name


class DayOffForm(forms.Form):
    date = forms.DateField(widget=DateInput(), label="Day off")
    note = forms.CharField(max_length=200, required=False)


class AssignmentForm(forms.Form):
    task = forms.ModelChoiceField(queryset=Task.objects.none())
    units = forms.IntegerField(
        min_value=1, max_value=1000, initial=100, label="Units (%)", help_text="50 = half-time."
    )
    quantity = forms.CharField(required=False, max_length=16, help_text="Non-labour only.")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(project=project).order_by(
            "early_start", "id"
        )


class AssignmentUnitsForm(forms.Form):
    units = forms.IntegerField(min_value=1, max_value=1000, label="Units (%)")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())
