"""Forms of the risk pages. They check what a person typed; ``risks.services`` apply the rules
(the strategy must fit the kind is also checked here, so the message sits next to the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from projects.forms import DateInput, PersonChoiceField
from projects.models import Project
from risks.models import (
    Category,
    ForecastRun,
    Issue,
    Kind,
    Level,
    RiskScale,
    Status,
    Strategy,
)
from risks.models.forecasts import MAX_ITERATIONS, MIN_ITERATIONS
from risks.models.register import PROBABILITY_LABEL_MAX, STRATEGIES_FOR
from scheduling.models import Task

SCALE_CHOICES = [(n, str(n)) for n in range(1, 6)]


def members_of(project: Project):
    return (
        get_user_model()
        .objects.filter(memberships__project=project)
        .order_by("first_name", "last_name", "username")
    )


def strategy_choices(kind: str) -> list[tuple[str, str]]:
    """The strategies that fit a kind (DESIGN §4), with "none yet" first."""
    allowed = STRATEGIES_FOR.get(kind, STRATEGIES_FOR[Kind.THREAT])
    return [("", "— none yet —"), *[(s.value, Strategy(s).label) for s in allowed]]


class VersionedForm(forms.Form):
    """An edit carries the version it was read at: a stale save is refused, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class RiskForm(VersionedForm):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.THREAT)
    category = forms.ChoiceField(choices=Category.choices)
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    event = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effect = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    probability = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, initial=3)
    impact = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, initial=3)
    owner = PersonChoiceField(queryset=get_user_model().objects.none(), required=False)
    trigger = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    proximity = forms.DateField(widget=DateInput(), required=False, label="Proximity date")
    status = forms.ChoiceField(choices=Status.choices, initial=Status.OPEN)
    response_strategy = forms.ChoiceField(required=False, label="Response strategy")
    response_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    contingency_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    residual_probability = forms.TypedChoiceField(
        choices=[("", "—"), *SCALE_CHOICES], coerce=int, empty_value=None, required=False
    )
    residual_impact = forms.TypedChoiceField(
        choices=[("", "—"), *SCALE_CHOICES], coerce=int, empty_value=None, required=False
    )
    cost_impact = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, initial=0, label="Cost impact"
    )
    impact_tasks = forms.ModelMultipleChoiceField(
        queryset=Task.objects.none(), required=False, label="Tasks it would delay"
    )
    impact_days = forms.IntegerField(
        min_value=1, required=False, label="Working days on each", initial=None
    )

    def __init__(self, *args: Any, project: Project, scale: RiskScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(project)
        self.fields["impact_tasks"].queryset = Task.objects.filter(project=project).order_by("name")
        # The scale's meaning next to each 1–5 choice (the thresholds are project settings).
        meanings = scale.meanings()
        for name, axis in (("probability", "probability"), ("impact", "impact")):
            labelled = [(n, f"{n} — {meanings[axis][n - 1]}") for n in range(1, 6)]
            self.fields[name].choices = labelled
            self.fields[f"residual_{name}"].choices = [("", "—"), *labelled]
        kind = self.data.get(self.add_prefix("kind")) or self.initial.get("kind") or Kind.THREAT
        self.fields["response_strategy"].choices = strategy_choices(kind)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, strategy = data.get("kind"), data.get("response_strategy")
        if kind and strategy and strategy not in STRATEGIES_FOR[kind]:
            self.add_error("response_strategy", "Choose a response that fits the kind.")
        if data.get("impact_tasks") and not data.get("impact_days"):
            self.add_error("impact_days", "Say how many working days it would add.")
        return data

    def values(self) -> dict[str, Any]:
        data = super().values()
        tasks = data.pop("impact_tasks", None)
        days = data.pop("impact_days", None)
        data["schedule_impacts"] = {task: days for task in tasks} if tasks else {}
        return data


def _whole(value: float) -> int | float:
    """2.0 → 2: thresholds read as people typed them."""
    return int(value) if float(value).is_integer() else value


class RiskScaleForm(VersionedForm):
    """The project's risk scale, one input per level: ``label_1``–``label_5`` and
    ``percent_1``–``percent_5`` for probability, ``days_2``–``days_5`` and
    ``budget_2``–``budget_5`` for impact (impact 1 is "up to the first threshold").
    The rules across levels (rising, 1–99 %) are the model's; ``group_errors`` holds the
    service's messages per axis so the page shows them above the row of inputs they concern."""

    GROUPS = {
        "probability_labels": ("label", range(1, 6)),
        "probability_percents": ("percent", range(1, 6)),
        "impact_days": ("days", range(2, 6)),
        "impact_budget_percents": ("budget", range(2, 6)),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {}
        for n in range(1, 6):
            self.fields[f"label_{n}"] = forms.CharField(
                max_length=PROBABILITY_LABEL_MAX, label=f"Probability {n}: label"
            )
            self.fields[f"percent_{n}"] = forms.IntegerField(
                min_value=1, max_value=99, label=f"Probability {n}: chance (%)"
            )
        for n in range(2, 6):
            self.fields[f"days_{n}"] = forms.FloatField(
                min_value=0, label=f"Impact {n}: more than (working days)"
            )
            self.fields[f"budget_{n}"] = forms.FloatField(
                min_value=0, label=f"Impact {n}: or more than (% of budget)"
            )
        self.fields["default_optimistic_percent"] = forms.IntegerField(
            min_value=0, max_value=100, required=False, label="Optimistic: shorter by (%)"
        )
        self.fields["default_pessimistic_percent"] = forms.IntegerField(
            min_value=0, max_value=1000, required=False, label="Pessimistic: longer by (%)"
        )

    @classmethod
    def initial_for(cls, scale: RiskScale) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "version": scale.version,
            "default_optimistic_percent": scale.default_optimistic_percent,
            "default_pessimistic_percent": scale.default_pessimistic_percent,
        }
        for group, (prefix, levels) in cls.GROUPS.items():
            for n, value in zip(levels, getattr(scale, group), strict=True):
                initial[f"{prefix}_{n}"] = value
        return initial

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for group, (prefix, levels) in self.GROUPS.items():
            values[group] = [data[f"{prefix}_{n}"] for n in levels]
        values["impact_days"] = [_whole(v) for v in values["impact_days"]]
        values["impact_budget_percents"] = [_whole(v) for v in values["impact_budget_percents"]]
        for name in ("default_optimistic_percent", "default_pessimistic_percent"):
            if data.get(name) is not None:  # left empty: unchanged
                values[name] = data[name]
        return values

    def attach_scale_errors(self, error: ValidationError) -> None:
        """A service's refusal: messages about one axis go above that axis's inputs."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            if field in self.GROUPS:
                self.group_errors.setdefault(field, []).extend(messages)
            else:
                self.add_error(None, messages)
        # The top of the form says something is wrong even when every message is in a group.
        if self.group_errors and not self.non_field_errors():
            self.add_error(None, "The scale was not saved: see the messages below.")


class RiskFilterForm(forms.Form):
    """The register's filters; every one optional (GET)."""

    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("live", "Open or monitoring"), *Status.choices],
        required=False,
    )
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *Category.choices], required=False)
    owner = PersonChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Anyone"
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(project)


class OccurredForm(forms.Form):
    due_date = forms.DateField(widget=DateInput(), required=False, label="Issue due")


class ActionForm(forms.Form):
    title = forms.CharField(max_length=300, label="Action")
    owner = PersonChoiceField(queryset=get_user_model().objects.none(), required=False)
    due_date = forms.DateField(widget=DateInput(), required=False, label="Due")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(project)


class IssueForm(VersionedForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    priority = forms.ChoiceField(choices=Issue.Priority.choices, initial=Issue.Priority.MEDIUM)
    owner = PersonChoiceField(queryset=get_user_model().objects.none(), required=False)
    due_date = forms.DateField(widget=DateInput(), required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(project)


class IssueEditForm(IssueForm):
    status = forms.ChoiceField(choices=Issue.Status.choices)
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ForecastForm(forms.Form):
    iterations = forms.IntegerField(
        min_value=MIN_ITERATIONS, max_value=MAX_ITERATIONS, initial=10_000
    )
    seed = forms.IntegerField(
        min_value=0, required=False, help_text="Leave empty for a new one; it is kept."
    )
    distribution = forms.ChoiceField(
        choices=ForecastRun.Distribution.choices, initial=ForecastRun.Distribution.TRIANGULAR
    )
    default_uncertainty = forms.BooleanField(
        required=False,
        help_text="For this run only; the tasks' own estimates are not changed.",
    )

    def __init__(self, *args: Any, uncertainty: tuple[int, int] = (10, 25), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shorter, longer = uncertainty
        self.fields["default_uncertainty"].label = (
            f"Give tasks without a three-point estimate the project's default uncertainty "
            f"(−{shorter} %/+{longer} %)"
        )
