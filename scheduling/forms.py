"""Forms of the schedule pages (tasks, dependencies, the calendar, baselines) and of the agile and
stage pages (backlog items, sprints, phases, gate reviews). They check what a person typed and
show each error next to its field; the rules that must always hold live in the services
(``scheduling.services``, ``scheduling.services.agile``).
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from projects.display import person_name
from projects.forms import DateInput
from projects.models import Project, WorkPackage
from scheduling import predecessors
from scheduling.models import (
    MAX_WORKING_DAYS,
    BacklogItem,
    Baseline,
    Dependency,
    GateReview,
    Phase,
    Sprint,
    Task,
)

# --- tasks ----------------------------------------------------------------------------------------

# The fields of the full task form, in the order the page lays them out.
TASK_FORM_FIELDS = (
    "name",
    "work_package",
    "owner",
    "duration",
    "constraint_date",
    "deadline",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "optimistic_duration",
    "most_likely_duration",
    "pessimistic_duration",
    "priority",
    "fixed_cost",
    "description",
)
# The short "add a task" form above the task table.
TASK_ADD_FIELDS = ("name", "work_package", "duration", "constraint_date", "deadline")
# The fields a task-table row turns into inputs when edited in place.
TASK_ROW_FIELDS = ("name", "duration", "constraint_date", "deadline", "percent_complete", "owner")


class TaskForm(forms.ModelForm):
    """A task's editable fields, with choices limited to the project's work packages and members.

    Validate a *copy* of the task (the view calls the service with the changed fields), so a
    refused edit never shows on the page as if it had been saved.

    ``predecessors`` is predecessor text (``3FS+2d, 5SS``): checked here for its form, while
    the service checks the numbers and loops. It carries the text the page showed as a hidden
    initial value, so an untouched field never replaces links someone else added meanwhile.
    """

    predecessors = forms.CharField(
        required=False,
        max_length=2000,
        show_hidden_initial=True,
        label="Predecessors",
        help_text="Task numbers as in MS Project: 3FS+2d, 5SS, 7 (FS when no type; lag in "
        "working days).",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. 3FS+2d, 5SS", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    class Meta:
        model = Task
        fields = TASK_FORM_FIELDS
        widgets = {
            "constraint_date": DateInput(),
            "deadline": DateInput(),
            "actual_start": DateInput(),
            "actual_finish": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "duration": forms.NumberInput(attrs={"min": 0}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100}),
            "priority": forms.NumberInput(attrs={"min": 1, "max": 1000}),
        }
        labels = {
            "duration": "Duration (working days)",
            "constraint_date": "Start no earlier than",
            "deadline": "Finish no later than",
            "percent_complete": "% complete",
            "optimistic_duration": "Optimistic (days)",
            "most_likely_duration": "Most likely (days)",
            "pessimistic_duration": "Pessimistic (days)",
            "priority": "Levelling priority",
        }
        help_texts = {
            "duration": "0 makes the task a milestone.",
            "constraint_date": "",
            "deadline": "Finishing later makes the float negative.",
        }

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "predecessors" not in self.initial:
            self.initial["predecessors"] = self.instance.predecessors_text
        if "work_package" in self.fields:
            field = self.fields["work_package"]
            field.queryset = WorkPackage.objects.filter(project=project).order_by("sort_key")
            field.label_from_instance = lambda wp: f"{wp.code} {wp.name}"
            field.empty_label = "— none —"
        if "owner" in self.fields:
            field = self.fields["owner"]
            field.queryset = (
                get_user_model()
                .objects.filter(memberships__project=project)
                .order_by("first_name", "username")
            )
            field.label_from_instance = person_name
            field.empty_label = "— nobody —"

    def clean(self) -> dict:
        """Put the rules the database checks next to the fields they concern."""
        data = super().clean()
        estimates = [
            data.get(name)
            for name in ("optimistic_duration", "most_likely_duration", "pessimistic_duration")
        ]
        if all(value is not None for value in estimates) and not (
            estimates[0] <= estimates[1] <= estimates[2]
        ):
            name = "most_likely_duration" if estimates[0] > estimates[1] else "pessimistic_duration"
            self.add_error(name, "Estimates must be optimistic ≤ most likely ≤ pessimistic.")
        start, finish = data.get("actual_start"), data.get("actual_finish")
        if finish and not start and "actual_start" in self.fields:
            self.add_error("actual_start", "A task cannot have finished without having started.")
        if start and finish and finish < start:
            self.add_error("actual_finish", "The actual finish cannot be before the actual start.")
        return data

    def clean_predecessors(self) -> str:
        text = self.cleaned_data["predecessors"]
        try:
            predecessors.parse(text, max_lag=MAX_WORKING_DAYS)
        except predecessors.PredecessorError as error:
            raise forms.ValidationError(error.messages) from None
        return text

    def changes(self) -> dict:
        """The fields the person changed, as keyword arguments of ``task_update``: changed
        predecessor text comes with the text the page started from (``predecessors_expected``).
        """
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name not in ("version", "predecessors")
        }
        if "predecessors" in self.changed_data:
            changes["predecessors"] = self.cleaned_data["predecessors"]
            field = self["predecessors"]
            changes["predecessors_expected"] = field.field.to_python(
                self.data.get(field.html_initial_name, "")
            )
        return changes


class TaskAddForm(TaskForm):
    class Meta(TaskForm.Meta):
        fields = TASK_ADD_FIELDS


class TaskEditForm(TaskForm):
    """The full edit page: every field, plus the version the task was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TaskRowForm(TaskForm):
    """The few fields a task-table row edits in place."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta(TaskForm.Meta):
        fields = TASK_ROW_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        # The inputs sit in the row's cells, outside the <form> (a form cannot wrap a <tr>):
        # the HTML form attribute ties them to it, and ids are unique per row.
        task_id = kwargs["instance"].pk
        super().__init__(*args, auto_id=f"row{task_id}_%s", **kwargs)
        for field in self.fields.values():
            field.widget.attrs["form"] = f"row-form-{task_id}"
        # The hidden initial value of the predecessor text must belong to the row's form too.
        self.fields["predecessors"].hidden_widget = lambda: forms.HiddenInput(
            attrs={"form": f"row-form-{task_id}"}
        )


# --- dependencies ---------------------------------------------------------------------------------


class DependencyAddForm(forms.Form):
    """Add a predecessor to a task: which task, the link type and the lag."""

    predecessor = forms.TypedChoiceField(coerce=int, label="Predecessor")
    type = forms.ChoiceField(choices=Dependency.Type.choices, initial=Dependency.Type.FS)
    lag = forms.IntegerField(
        initial=0,
        min_value=-9999,
        max_value=9999,
        label="Lag (days)",
        help_text="Working days; negative for a lead.",
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].choices = [("", "— choose a task —"), *choices]


class ExternalDependencyForm(forms.Form):
    """Make a task wait for a task of another project: the project (among those the person can
    see), the task's number there, the link type and the lag."""

    other_project = forms.TypedChoiceField(coerce=int, label="Other project")
    number = forms.IntegerField(min_value=1, label="Its task number", help_text="As in KEY-12.")
    type = forms.ChoiceField(
        choices=Dependency.Type.choices, initial=Dependency.Type.FS, label="How it waits"
    )
    lag = forms.IntegerField(
        initial=0,
        min_value=-9999,
        max_value=9999,
        label="Lag after it (days)",
        help_text="Working days of this project; negative for a lead.",
    )

    def __init__(self, *args, projects: list[tuple[int, str]], **kwargs) -> None:
        # Beside the in-project link form on the task page: its own ids and names.
        kwargs.setdefault("prefix", "ext")
        super().__init__(*args, **kwargs)
        self.fields["other_project"].choices = [("", "— choose a project —"), *projects]


class DependencyEditForm(forms.Form):
    """Change a link's type or lag; the version guards against a concurrent change."""

    type = forms.ChoiceField(choices=Dependency.Type.choices)
    lag = forms.IntegerField(min_value=-9999, max_value=9999, label="Lag (days)")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- calendar -------------------------------------------------------------------------------------

WEEKDAYS = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
]


class WorkingWeekdaysForm(forms.Form):
    working_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Working weekdays",
        error_messages={"required": "Choose at least one working weekday."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HolidayForm(forms.Form):
    date = forms.DateField(widget=DateInput())
    name = forms.CharField(max_length=200, required=False, label="Name (optional)")


@cache
def country_choices() -> list[tuple[str, str]]:
    """Countries the ``holidays`` package knows, by ISO 3166 alpha-2 code, sorted by name."""
    from holidays import list_supported_countries, registry

    supported = list_supported_countries()
    names = {
        codes[1]: module.replace("_", " ").title()
        for module, codes in registry.COUNTRIES.items()
        if codes[1] in supported
    }
    return sorted(((code, f"{name} ({code})") for code, name in names.items()), key=lambda c: c[1])


class HolidayImportForm(forms.Form):
    country = forms.ChoiceField(label="Country")
    subdivision = forms.CharField(
        max_length=10,
        required=False,
        label="Region (optional)",
        help_text="A state or region code, e.g. BY for Bavaria; empty for nationwide holidays.",
    )
    year = forms.IntegerField(min_value=1900, max_value=2200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "— choose a country —"), *country_choices()]

    def clean_subdivision(self) -> str:
        return self.cleaned_data["subdivision"].strip().upper()


# --- baselines ------------------------------------------------------------------------------------


class BaselineForm(forms.ModelForm):
    class Meta:
        model = Baseline
        fields = ("name", "note", "is_performance")
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        labels = {"is_performance": "Make it the performance baseline"}
        help_texts = {"is_performance": "Earned value and the Gantt measure against it."}

    def validate_unique(self) -> None:
        """The service words the duplicate-name error; the form only lacks the project."""


# --- agile and stages -----------------------------------------------------------------------------


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
