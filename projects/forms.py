"""Forms of the project pages. They validate what a person typed; the services apply the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from projects.models import Project, Role


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        # The browser's date picker sends and expects ISO dates, whatever the locale.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# The fields of the project form, in the order the page lays them out. Deliberately not the
# service's PROJECT_EDITABLE_FIELDS: a field added there must not appear here unseen.
PROJECT_FORM_FIELDS = (
    "name",
    "key",
    "description",
    "type",
    "methodology",
    "stage",
    "sponsor",
    "start_date",
    "target_finish",
    "currency",
    "time_zone",
    "report_weekday",
    "report_hour",
)


class ProjectForm(forms.ModelForm):
    """Create a project, or edit one (``ProjectEditForm`` adds the version it was read at)."""

    class Meta:
        model = Project
        fields = PROJECT_FORM_FIELDS
        widgets = {
            "start_date": DateInput(),
            "target_finish": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "key": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "size": 10}
            ),
            "time_zone": forms.TextInput(attrs={"list": "time-zones", "spellcheck": "false"}),
            "report_hour": forms.NumberInput(attrs={"min": 0, "max": 23}),
        }
        labels = {"target_finish": "Target finish", "report_weekday": "Report weekday"}
        error_messages = {"key": {"unique": "Another project already uses this key."}}

    def clean_key(self) -> str:
        return self.cleaned_data["key"].strip().upper()


class ProjectEditForm(ProjectForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def attach_errors(
    form: forms.BaseForm, error: ValidationError, aliases: dict | None = None
) -> None:
    """Show a service's ValidationError on the form: each message next to its field.

    ``aliases`` renames the service's field names to the form's (``{"user": "identifier"}``);
    messages about a field the form does not have go to the top of the form.
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


class PortfolioFilterForm(forms.Form):
    """The portfolio's search, filters and sort. Invalid values are reported and then ignored."""

    SORTS = {
        "key": "key",
        "name": "name",
        "type": "type",
        "methodology": "methodology",
        "stage": "stage",
        "start": "start_date",
        "finish": "target_finish",
        "role": "my_role",
    }

    q = forms.CharField(required=False, max_length=100, label="Search")
    type = forms.ChoiceField(
        required=False, choices=[("", "All types"), *Project.Type.choices], label="Type"
    )
    methodology = forms.ChoiceField(
        required=False,
        choices=[("", "All methodologies"), *Project.Methodology.choices],
        label="Methodology",
    )
    stage = forms.ChoiceField(
        required=False, choices=[("", "All stages"), *Project.Stage.choices], label="Stage"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(f"{sign}{name}", name) for name in SORTS for sign in ("", "-")],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters, as keyword arguments of ``portfolio_for``."""
        self.is_valid()
        data = self.cleaned_data
        sort = data.get("sort") or "key"
        descending = sort.startswith("-")
        ordering = ("-" if descending else "") + self.SORTS[sort.lstrip("-")]
        return {
            "search": data.get("q") or "",
            "type": data.get("type") or "",
            "methodology": data.get("methodology") or "",
            "stage": data.get("stage") or "",
            "ordering": ordering,
        }

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "key"

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        return any(self.cleaned_data.get(f) for f in ("q", "type", "methodology", "stage"))


class MemberAddForm(forms.Form):
    identifier = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER, label="Role")


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")
