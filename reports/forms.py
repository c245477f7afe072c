"""Forms of the reports pages: the portfolio dashboard's search, filters and sort; the weekly
status report's summary; closure (the checklist, submitting, the final review, reopening); and
lessons learned (a lesson, and the search across projects). They check what a person typed; the
services in ``reports.services`` hold the rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from projects.forms import DateInput, PortfolioFilterForm, VersionedForm
from projects.models import Objective, Project
from reports.models import Closure, LessonLearned, Rag
from reports.selectors.kpi import DASHBOARD_GROUPS, DASHBOARD_SORTS, NOT_COMPUTED
from reports.selectors.lessons import MAX_SEARCH_LENGTH
from reports.services.closure import REASON_MAX
from reports.services.lessons import MAX_TAG_LENGTH, MAX_TAGS, REQUIRED_TEXT, normalise_tags
from reports.services.status import SUMMARY_MAX_CHARS
from stakeholders.models import Stakeholder


class DashboardFilterForm(PortfolioFilterForm):
    """The portfolio list's filters plus health, and sorts by the KPIs. Invalid values are
    reported and then ignored, as on the list."""

    SORTS = DASHBOARD_SORTS

    health = forms.ChoiceField(
        required=False,
        choices=[("", "Any health"), *Rag.choices, (NOT_COMPUTED, "Not computed yet")],
        label="Health",
    )
    group = forms.ChoiceField(
        required=False,
        choices=DASHBOARD_GROUPS,
        label="Group by",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{name}", name) for name in DASHBOARD_SORTS for sign in ("", "-")],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters, as keyword arguments of ``reports.selectors.dashboard_rows``."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "type": data.get("type") or "",
            "methodology": data.get("methodology") or "",
            "stage": data.get("stage") or "",
            "health": data.get("health") or "",
            "sort": data.get("sort") or "key",
            "group": data.get("group") or "",
        }

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        fields = ("q", "type", "methodology", "stage", "health")
        return any(self.cleaned_data.get(f) for f in fields)


# --- status report --------------------------------------------------------------------------------


class SummaryForm(forms.Form):
    """The summary, with the version it was read at (a stale save is refused, DESIGN §3)."""

    summary = forms.CharField(
        label="Your summary",
        required=False,
        max_length=SUMMARY_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened this week, what comes next, and what you need from readers.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- closure --------------------------------------------------------------------------------------


class ClosureForm(forms.Form):
    narrative = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Manager's narrative",
        help_text="How the project went: what was delivered, what changed and why.",
    )
    pir_weeks = forms.IntegerField(
        min_value=1,
        max_value=104,
        label="Post-implementation review after (weeks)",
        help_text="Counted from the sponsor's sign-off.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    @classmethod
    def for_closure(cls, closure: Closure, data: Any = None) -> ClosureForm:
        initial = {
            "narrative": closure.narrative,
            "pir_weeks": closure.pir_weeks,
            "version": closure.version,
        }
        return cls(data, initial=initial)


class TickForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("true", "Done"), ("false", "Not done")],
        coerce=lambda value: value == "true",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class SubmitForm(forms.Form):
    sponsor = forms.ModelChoiceField(
        queryset=Stakeholder.objects.none(),
        label="Sponsor who signs off",
        help_text="Stakeholders with a Charter account who are members of the project.",
        error_messages={"invalid_choice": "Choose one of the sponsors listed."},
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note to the sponsor",
    )

    def __init__(self, *args: Any, candidates: list[Stakeholder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = Stakeholder.objects.filter(
            pk__in=[s.pk for s in candidates]
        ).order_by("name")
        if candidates and not self.is_bound:
            self.initial.setdefault("sponsor", candidates[0].pk)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX,
        label="Why reopen?",
        help_text="Recorded in the project's history.",
    )


class ReviewForm(forms.Form):
    """The post-implementation review: when, a summary, and per objective the realised value."""

    held_on = forms.DateField(widget=DateInput, label="Held on")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Summary")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, objectives: list[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        for o in objectives:
            unit = f" ({o.unit})" if o.unit else ""
            self.fields[f"value_{o.pk}"] = forms.DecimalField(
                required=False, max_digits=16, decimal_places=2, label=f"Realised{unit}"
            )
            self.fields[f"note_{o.pk}"] = forms.CharField(required=False, label="Note")

    def benefits(self) -> dict[int, tuple[Any, str]]:
        return {
            o.pk: (
                self.cleaned_data.get(f"value_{o.pk}"),
                self.cleaned_data.get(f"note_{o.pk}", ""),
            )
            for o in self.objectives
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"objective": o, "value": self[f"value_{o.pk}"], "note": self[f"note_{o.pk}"]}
            for o in self.objectives
        ]


# --- lessons learned ------------------------------------------------------------------------------


class LessonForm(VersionedForm):
    tags = forms.CharField(
        required=False,
        max_length=MAX_TAGS * (MAX_TAG_LENGTH + 2),
        help_text=f"Separated by commas, e.g. “vendor, sla”: up to {MAX_TAGS} tags of "
        f"{MAX_TAG_LENGTH} characters.",
    )

    class Meta:
        model = LessonLearned
        fields = ("category", "title", "what_happened", "impact", "recommendation", "tags")
        widgets = {
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "impact": forms.Textarea(attrs={"rows": 3}),
            "recommendation": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"what_happened": "What happened", "recommendation": "Recommendation"}
        error_messages = {name: {"required": message} for name, message in REQUIRED_TEXT.items()}
        help_texts = {
            "impact": "What it cost or saved: days, money, quality, morale.",
            "recommendation": "What the next project should do (or avoid).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Tags are a list on the model and one line of text here.
        self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> list[str]:
        try:
            return normalise_tags(self.cleaned_data["tags"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["tags"]) from None

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        # self.instance already holds the new values once validated: compare with what was shown.
        if "tags" in changes and changes["tags"] == normalise_tags(self.initial["tags"]):
            # "a,b" typed again as "a, b" is no change.
            del changes["tags"]
        return changes


class LessonSearchForm(forms.Form):
    """The search across projects; invalid filters are reported and ignored."""

    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH)
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "All categories"), *LessonLearned.Category.choices],
    )
    project_type = forms.ChoiceField(
        label="Project type",
        required=False,
        choices=[("", "All types"), *Project.Type.choices],
    )
    tag = forms.CharField(label="Tag", required=False, max_length=MAX_TAG_LENGTH)

    def filters(self) -> dict[str, str]:
        if not self.is_bound:
            return {"text": "", "category": "", "project_type": "", "tag": ""}
        self.is_valid()
        data = self.cleaned_data
        return {
            "text": data.get("q") or "",
            "category": data.get("category") or "",
            "project_type": data.get("project_type") or "",
            "tag": data.get("tag") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())
