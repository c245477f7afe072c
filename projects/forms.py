"""Forms of the project pages. They validate what a person typed; the services apply the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from projects import history, sso
from projects.display import DateFormat, person_name
from projects.models import (
    ChangeRequest,
    Charter,
    Deliverable,
    Notification,
    NotificationPreference,
    Objective,
    Programme,
    ProgrammeMembership,
    Project,
    ProjectTemplate,
    Requirement,
    Role,
    WorkPackage,
)
from projects.models.comments import MAX_BODY as MAX_COMMENT
from projects.models.project import _time_zones
from projects.selectors import projects_for, templates_for


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
    "priority",
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
            "priority": forms.NumberInput(attrs={"min": 1, "max": 1000}),
        }
        labels = {"target_finish": "Target finish", "report_weekday": "Report weekday"}
        error_messages = {"key": {"unique": "Another project already uses this key."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The priority came after the form: a post without it (a page opened before, a script)
        # keeps the project's priority instead of failing on a field it never showed.
        if self.is_bound and "priority" not in self.data:
            self.data = self.data.copy()
            self.data["priority"] = str(self.instance.priority)

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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sso.enabled() and settings.OIDC_GROUP_ROLES:
            # Blank: the role the person's single sign-on groups map to (projects.sso).
            field = self.fields["role"]
            field.choices = [("", "Their default (from their sign-on groups)"), *Role.choices]
            field.required = False
            field.initial = ""


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER, label="Role")


class InvitationSignUpForm(forms.Form):
    """The account an invitee creates from their link; the e-mail address is the invited one."""

    username = forms.CharField(max_length=150, label="Username")
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class ProjectCreateForm(ProjectForm):
    """The new-project form, with an optional template whose scope pre-fills the project."""

    template = forms.ModelChoiceField(
        queryset=ProjectTemplate.objects.none(),  # the user's: see __init__
        required=False,
        empty_label="Blank project",
        label="Start from template",
        help_text="Copies the template's objectives, WBS, deliverables and requirement "
        "categories into the new project.",
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates_for(user)
        self.fields["template"].label_from_instance = _template_label


def _template_label(template: ProjectTemplate) -> str:
    counts = (
        (template.count("objectives"), "objective"),
        (template.count("work_packages"), "work package"),
        (template.count("deliverables"), "deliverable"),
    )
    summary = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
    return f"{template.name} ({template.get_type_display()}; {summary})"


# --- Scope ---------------------------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """A model form that carries the version it was read at, so a stale save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", self.instance.version)
        # Creating has no version to be stale against; a record not saved yet (an empty
        # charter) is created at version 1 by its service.
        self.fields["version"].required = bool(self.instance.pk)

    def changes(self) -> dict[str, Any]:
        """The edited fields and their new values, for a service's ``**changes``."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def creation(self) -> dict[str, Any]:
        """Every field but the version, for a service that creates the record."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def edit(self) -> dict[str, Any]:
        """The version the record was read at and the edited fields, for a service's update."""
        return {"version": self.cleaned_data["version"], **self.changes()}


class CharterForm(VersionedForm):
    class Meta:
        model = Charter
        fields = Charter.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in Charter.TEXT_FIELDS}
        help_texts = {
            "business_case": "Why the project exists: the problem, the benefit, the cost of "
            "doing nothing.",
            "in_scope": "What the project delivers.",
            "out_of_scope": "What it deliberately does not, so nobody assumes otherwise.",
            "assumptions": "What is taken as true without proof.",
            "constraints": "Fixed limits: dates, budget, technology, regulation.",
            "success_criteria": "How the sponsor will judge the result.",
        }


class ObjectiveForm(VersionedForm):
    class Meta:
        model = Objective
        fields = (
            "description",
            "measure",
            "unit",
            "baseline_value",
            "target_value",
            "achieved_value",
            "due_date",
            "status",
        )
        widgets = {"due_date": DateInput()}
        labels = {
            "baseline_value": "Baseline",
            "target_value": "Target",
            "achieved_value": "Achieved",
            "due_date": "Due date",
        }


class DeliverableForm(VersionedForm):
    """A deliverable and its acceptance criteria, one per line."""

    criteria = forms.CharField(
        label="Acceptance criteria",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One criterion per line. A criterion kept word for word keeps its “met” tick.",
    )

    class Meta:
        model = Deliverable
        fields = ("name", "description", "owner", "due_date", "work_package")
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        labels = {"work_package": "Work package", "due_date": "Due date"}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault(
                "criteria", "\n".join(c.text for c in self.instance.criteria.all())
            )
        self.fields["owner"].queryset = _member_users(project)
        self.fields["owner"].label_from_instance = _user_label
        self.fields["work_package"].queryset = WorkPackage.objects.filter(project=project)

    def criteria_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["criteria"].splitlines() if line.strip()]


class DecisionForm(forms.Form):
    """A lifecycle step (``to``), with the reason a decision needs."""

    to = forms.CharField(max_length=16)
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Reason"
    )


class RequirementForm(VersionedForm):
    class Meta:
        model = Requirement
        fields = ("ref", "text", "category", "priority", "status", "source", "deliverables")
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "ref": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false", "size": 10}
            ),
            "category": forms.TextInput(attrs={"list": "requirement-categories"}),
            "deliverables": forms.CheckboxSelectMultiple,
        }
        labels = {"text": "Requirement", "deliverables": "Traced to deliverables"}
        help_texts = {"ref": "Leave empty for the next REQ-nnn."}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ref"].required = False
        self.fields["deliverables"].queryset = Deliverable.objects.filter(project=project).order_by(
            "due_date", "id"
        )
        self.fields["deliverables"].required = False


class RequirementFilterForm(forms.Form):
    """The requirement list's filters. Invalid values are reported and then ignored."""

    priority = forms.ChoiceField(
        required=False,
        choices=[("", "All priorities"), *Requirement.Priority.choices],
        label="Priority",
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *Requirement.Status.choices], label="Status"
    )
    category = forms.CharField(required=False, max_length=60, label="Category")
    SORTS = ("ref", "category", "priority", "status")
    sort = forms.ChoiceField(
        required=False, choices=[(f"{sign}{name}", name) for name in SORTS for sign in ("", "-")]
    )

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v and k != "sort"}

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "ref"


class ChangeLogSortForm(forms.Form):
    SORTS = {
        "ref": "number",
        "title": "title",
        "status": "status",
        "schedule": "schedule_impact",
        "cost": "cost_impact",
        "decided": "decided_at",
    }
    sort = forms.ChoiceField(
        required=False, choices=[(f"{sign}{name}", name) for name in SORTS for sign in ("", "-")]
    )

    @property
    def current_sort(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "-ref"

    def ordering(self) -> list[str]:
        sort = self.current_sort
        return [("-" if sort.startswith("-") else "") + self.SORTS[sort.lstrip("-")], "-number"]


class WorkPackageAddForm(forms.Form):
    """Add a package: at the top level, as the last child of ``parent``, or after ``after``."""

    name = forms.CharField(max_length=200, label="Name")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, widget=forms.HiddenInput)


class WorkPackageRenameForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WorkPackageShiftForm(forms.Form):
    direction = forms.ChoiceField(choices=[(d, d) for d in ("up", "down", "indent", "outdent")])


class ChangeRequestForm(VersionedForm):
    class Meta:
        model = ChangeRequest
        fields = (
            "title",
            "description",
            "reason",
            "requested_by",
            "scope_impact",
            "schedule_impact",
            "cost_impact",
            "risk_impact",
        )
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "reason", "scope_impact", "risk_impact")
        }
        labels = {
            "schedule_impact": "Schedule impact (working days)",
            "requested_by": "Requested by",
        }
        help_texts = {"requested_by": "Leave empty to record yourself."}

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cost_impact"].label = f"Cost impact ({currency})"


class TemplateSaveForm(forms.Form):
    name = forms.CharField(max_length=200, label="Template name")
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Description",
        help_text="Leave empty to say which project it was saved from.",
    )


def _member_users(project: Project):
    return (
        get_user_model()
        .objects.filter(memberships__project=project)
        .order_by("first_name", "last_name", "username")
    )


def _user_label(user: Any) -> str:
    return person_name(user)


class PersonChoiceField(forms.ModelChoiceField):
    """A picker of people (owner, approver, …) that names them by full name, not username."""

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Several people, named as ``PersonChoiceField`` names one."""

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class HistoryFilterForm(forms.Form):
    """The history's filters: area, person and kind of record. Invalid values are ignored."""

    area = forms.ChoiceField(required=False, label="Area")
    user = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Person")
    model = forms.ChoiceField(required=False, label="Record")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "All areas"), *history.AREAS.items()]
        people = [m.user for m in project.memberships.select_related("user").order_by("pk")]
        self.fields["user"].choices = [
            ("", "Everyone"),
            *sorted(
                ((u.pk, u.get_full_name() or u.get_username()) for u in people),
                key=lambda choice: choice[1],
            ),
        ]
        grouped: dict[str, list[tuple[str, str]]] = {}
        for tracked in history.tracked_models().values():
            grouped.setdefault(history.AREAS.get(tracked.area, tracked.area), []).append(
                (tracked.label, tracked.verbose_name)
            )
        self.fields["model"].choices = [
            ("", "All records"),
            *((area, sorted(choices, key=lambda c: c[1])) for area, choices in grouped.items()),
        ]


class NotificationSettingsForm(forms.Form):
    """A channel per kind of notification, and the person's time zone."""

    time_zone = forms.ChoiceField(
        required=False,
        help_text="Your daily digest comes at 08:00 here. Empty: the site's time zone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "The site's time zone")] + [
            (zone, zone) for zone in sorted(_time_zones())
        ]
        for reason, label in Notification.Reason.choices:
            self.fields[reason] = forms.ChoiceField(
                label=label, choices=NotificationPreference.Channel.choices
            )


class CommentForm(forms.Form):
    """A comment, or an edit of one with the version it was read at (a stale edit is refused)."""

    body = forms.CharField(
        label="Comment",
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown: **bold**, *italic*, `code`, lists, links. Mention a member of the "
        "project with @username.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ProfileForm(forms.Form):
    """The person's name, time zone and date format."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    time_zone = forms.ChoiceField(
        required=False,
        help_text="Times on pages and your daily digest follow it; a project's dates and "
        "deadlines stay in the project's own zone.",
    )
    date_format = forms.ChoiceField(
        choices=DateFormat.choices,
        required=False,
        help_text="How pages write a date. E-mails and exports keep their own unambiguous format.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "The site's time zone")] + [
            (zone, zone) for zone in sorted(_time_zones())
        ]

    def clean_date_format(self) -> str | None:
        return self.cleaned_data["date_format"] or None  # left out: keep the saved one


# --- programmes -----------------------------------------------------------------------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "key", "currency", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_key(self) -> str:
        return self.cleaned_data["key"].strip().upper()

    def validate_unique(self) -> None:
        # The service says "Another programme already uses the key …" (and locks the race).
        pass


class ProgrammeMemberForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        choices=ProgrammeMembership.Role.choices,
        initial=ProgrammeMembership.Role.MEMBER,
        label="Role",
    )


class ProgrammeProjectForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        label="Project",
        empty_label="Choose a project you manage",
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Open projects the person manages that are in no programme yet.
        self.fields["project"].queryset = (
            projects_for(user)
            .filter(my_role=Role.MANAGER, programme__isnull=True)
            .exclude(stage=Project.Stage.CLOSED)
            .order_by("key")
        )
