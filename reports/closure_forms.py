"""Forms of the closure pages. They validate what a person typed; the services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from projects.forms import DateInput
from projects.models import Objective
from reports.models import Closure
from reports.services.closure import REASON_MAX
from stakeholders.models import Stakeholder


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
