"""Forms of the stakeholder pages. They check what a person typed; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from projects.forms import DateInput, PeopleChoiceField, PersonChoiceField, VersionedForm
from projects.models import Project
from stakeholders.models import (
    ActionItem,
    Approval,
    CommunicationPlanItem,
    Decision,
    Meeting,
    Quadrant,
    RaciEntry,
    Stakeholder,
)
from stakeholders.services import STAKEHOLDER_FIELDS

MemberChoiceField = PersonChoiceField
MembersChoiceField = PeopleChoiceField


def members_of(project: Project):
    return (
        get_user_model()
        ._default_manager.filter(memberships__project=project)
        .order_by("first_name", "last_name", "username")
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# --- register -------------------------------------------------------------------------------------


class StakeholderFilterForm(forms.Form):
    """The register's search, filters and sort; invalid values are reported and ignored."""

    SORTS = ("name", "-name", "organisation", "power", "interest", "quadrant")

    q = forms.CharField(label="Search", required=False, max_length=100)
    quadrant = forms.ChoiceField(
        label="Quadrant", required=False, choices=[("", "All quadrants"), *Quadrant.choices]
    )
    kind = forms.ChoiceField(
        label="Internal or external",
        required=False,
        choices=[("", "Everyone"), *Stakeholder.Kind.choices],
    )
    gap = forms.BooleanField(label="Engagement gap only", required=False)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Name, organisation, role, e-mail"}
        )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q") or "",
            "quadrant": data.get("quadrant") or "",
            "kind": data.get("kind") or "",
            "engagement_gap": bool(data.get("gap")),
            "ordering": data.get("sort") or "name",
        }


class StakeholderForm(VersionedForm):
    user = MemberChoiceField(
        queryset=get_user_model()._default_manager.none(),
        required=False,
        label="Charter account",
        help_text="Link a project member's account so they can approve.",
    )

    class Meta:
        model = Stakeholder
        fields = STAKEHOLDER_FIELDS
        widgets = {
            "power": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "interest": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "communication_needs": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(project)


class CommunicationItemForm(VersionedForm):
    audience = forms.ModelMultipleChoiceField(
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For the weekly status report: exactly these people receive it.",
    )
    owner = MemberChoiceField(queryset=get_user_model()._default_manager.none(), required=False)

    class Meta:
        model = CommunicationPlanItem
        fields = ("kind", "title", "frequency", "channel", "owner", "next_due", "audience", "notes")
        widgets = {"next_due": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = Stakeholder.objects.for_project(project).order_by("name")
        self.fields["owner"].queryset = members_of(project)


# --- RACI -----------------------------------------------------------------------------------------

ROLE_CHOICES = [("", "—"), *RaciEntry.Role.choices]


class RaciRowForm(forms.Form):
    """One select per column of the matrix (``s-<id>`` a stakeholder, ``u-<id>`` a member)."""

    def __init__(self, *args: Any, columns: list[dict[str, Any]], row_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            kind, pk = column["key"]
            self.fields[f"{kind}-{pk}"] = forms.ChoiceField(
                label=f"{column['name']}'s role for {row_label}",
                choices=ROLE_CHOICES,
                required=False,
            )

    def cells(self) -> dict[Any, str | None]:
        """The row as ``raci_set_row`` takes it: each party and its role (None: no cell)."""
        return {
            column["party"]: self.cleaned_data.get(f"{column['key'][0]}-{column['key'][1]}") or None
            for column in self.columns
        }


# --- meetings, decisions, actions -----------------------------------------------------------------


class MeetingForm(VersionedForm):
    organiser = MemberChoiceField(queryset=get_user_model()._default_manager.none(), required=False)
    stakeholders = forms.ModelMultipleChoiceField(
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Stakeholders attending",
    )
    attendees = MembersChoiceField(
        queryset=get_user_model()._default_manager.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members attending",
    )

    class Meta:
        model = Meeting
        fields = (
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "organiser",
            "stakeholders",
            "attendees",
            "agenda",
            "minutes",
        )
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"starts_at": "Starts", "ends_at": "Ends"}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = members_of(project)
        self.fields["organiser"].queryset = members
        self.fields["attendees"].queryset = members
        self.fields["stakeholders"].queryset = Stakeholder.objects.for_project(project).order_by(
            "name"
        )
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = f"In the project's time zone, {project.time_zone}."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "A meeting must end after it starts.")
        return data


class DecisionLogForm(VersionedForm):
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False)

    class Meta:
        model = Decision
        fields = ("title", "decided_by", "date", "meeting", "rationale")
        widgets = {"date": DateInput(), "rationale": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(project=project).order_by(
            "-starts_at"
        )


class ActionItemForm(VersionedForm):
    owner = MemberChoiceField(queryset=get_user_model()._default_manager.none())
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False)

    class Meta:
        model = ActionItem
        fields = ("title", "owner", "due_date", "meeting", "notes")
        widgets = {"due_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(project)
        self.fields["meeting"].queryset = Meeting.objects.filter(project=project).order_by(
            "-starts_at"
        )


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItem.Status.choices)


# --- approvals ------------------------------------------------------------------------------------


class ApprovalRequestForm(forms.Form):
    """Ask someone to approve: what (one select over every approvable thing) and who."""

    subject = forms.ChoiceField(label="What is approved")
    approver = MemberChoiceField(
        queryset=get_user_model()._default_manager.none(),
        label="Approver",
        help_text="A member of the project (a viewer can approve).",
    )
    note = forms.CharField(
        label="What to check", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, project: Project, subjects: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "Choose…"), *subjects]
        self.fields["approver"].queryset = members_of(project)


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (Approval.Decision.APPROVED, "Approve"),
            (Approval.Decision.REJECTED, "Reject"),
        ],
        widget=forms.RadioSelect,
        label="Your decision",
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you reject: say what would make you approve.",
    )
