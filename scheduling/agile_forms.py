"""Forms of the agile and stage pages: backlog items, sprints, phases and gate reviews.

They validate what a person typed; the services in ``scheduling.services.agile`` apply the rules.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from projects.forms import DateInput
from projects.models import Project
from scheduling.models import BacklogItem, GateReview, Phase, Sprint


def open_sprints(project: Project):
    """Sprints an item can be put in: planned or active, in date order."""
    return Sprint.objects.filter(project=project).exclude(status=Sprint.Status.CLOSED)


class BacklogItemForm(forms.ModelForm):
    """Add an item to the backlog, or edit one (``version`` is the one the editor read)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = BacklogItem
        fields = ("title", "story_points", "sprint", "status", "description")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "story_points": forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
        }
        labels = {"story_points": "Points"}

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Its current sprint stays selectable even when closed: it is history, not a choice.
        self.fields["sprint"].queryset = Sprint.objects.filter(
            ~Q(status=Sprint.Status.CLOSED) | Q(pk=self.instance.sprint_id), project=project
        ).order_by("start_date", "id")
        self.fields["sprint"].empty_label = "Product backlog"
        self.fields["status"].required = False

    def changes(self) -> dict:
        """Only the fields the person changed, as the service takes them."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


class SprintAssignForm(forms.Form):
    """The per-row "put in sprint" select of the backlog."""

    sprint = forms.ModelChoiceField(queryset=Sprint.objects.none(), required=False)

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sprint"].queryset = open_sprints(project)


class BoardMoveForm(forms.Form):
    status = forms.ChoiceField(choices=BacklogItem.Status.choices)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class SprintForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Sprint
        fields = ("name", "start_date", "finish_date", "capacity", "goal")
        widgets = {
            "start_date": DateInput(),
            "finish_date": DateInput(),
            "goal": forms.Textarea(attrs={"rows": 3}),
            "capacity": forms.NumberInput(attrs={"min": 0}),
        }
        labels = {"capacity": "Capacity (points)"}
        help_texts = {"name": "Leave empty to number it: “Sprint 4”."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def clean(self) -> dict:
        cleaned = super().clean()
        start, finish = cleaned.get("start_date"), cleaned.get("finish_date")
        if start and finish and finish < start:
            self.add_error("finish_date", "A sprint cannot finish before it starts.")
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


class SprintCloseForm(forms.Form):
    """Where the unfinished items of a closing sprint go: a planned sprint or the backlog."""

    carry_over_to = forms.ModelChoiceField(
        queryset=Sprint.objects.none(),
        required=False,
        empty_label="Back to the product backlog",
        label="Unfinished items go to",
    )

    def __init__(self, *args, sprint: Sprint, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carry_over_to"].queryset = (
            Sprint.objects.filter(project_id=sprint.project_id, status=Sprint.Status.PLANNED)
            .exclude(pk=sprint.pk)
            .order_by("start_date", "id")
        )


class PhaseForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Phase
        fields = (
            "name",
            "position",
            "planned_finish",
            "planned_cost",
            "time_tolerance",
            "cost_tolerance",
        )
        widgets = {
            "planned_finish": DateInput(),
            "position": forms.NumberInput(attrs={"min": 1}),
            "time_tolerance": forms.NumberInput(attrs={"min": 0}),
        }
        labels = {
            "time_tolerance": "Time tolerance (working days)",
            "cost_tolerance": "Cost tolerance",
            "planned_cost": "Planned cost",
        }
        help_texts = {"position": "Order among the phases; empty puts a new phase last."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False

    def clean_position(self) -> int | None:
        position = self.cleaned_data.get("position")
        return self.instance.position if position is None and self.instance.pk else position

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


class GateReviewForm(forms.ModelForm):
    class Meta:
        model = GateReview
        fields = ("decision", "date", "conditions", "notes")
        widgets = {
            "decision": forms.RadioSelect,
            "date": DateInput(),
            "conditions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"conditions": "Required for a go with conditions."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = GateReview.Decision.choices  # no empty radio

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("decision") == GateReview.Decision.CONDITIONAL
            and not (cleaned.get("conditions") or "").strip()
        ):
            self.add_error("conditions", "A conditional go must say what the conditions are.")
        return cleaned
