"""The registers as spreadsheets: one definition per register (its columns and the service that
creates its rows), and the export and the all-or-nothing import every register shares.

A column names its header, the keyword of the register's create service, how a record gives
its value (export) and how a cell becomes a value (import); a column without a parser is
computed (a risk's score, a task's dates) and only exported. An import reads the file
(``interchange.sheets``), maps columns by header (case, spaces and underscores do not matter),
parses every cell, and creates each row through the same service as the form and the API, so
a row is held to the same rules as typing it. Every row is tried, each in a savepoint, so the
report names every bad row; if any is bad, nothing is kept. Tasks are the exception to "one
service call per row": they go through ``scheduling.services.plan_load``, which writes them
and their links in bulk and recomputes the schedule once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.db.models.functions import Lower

from budgets import services as budget_services
from budgets.models import BudgetLine, Category, Resource, TimeEntry
from interchange import sheets
from projects import services as project_services
from projects.models import Deliverable, Project, Requirement, WorkPackage
from projects.services.common import lock_project
from projects.spreadsheets import csv_unguard
from risks import services as risk_services
from risks.models import Issue, Risk
from risks.models.register import Category as RiskCategory
from risks.models.register import Kind as RiskKind
from risks.models.register import Status as RiskStatus
from risks.models.register import Strategy
from scheduling import predecessors
from scheduling import services as scheduling_services
from scheduling.models import Dependency, Phase, Task
from scheduling.services.bulk import LoadLink, plan_load
from stakeholders import services as stakeholder_services
from stakeholders.models import Engagement, Stakeholder

# --- what a row may say ---------------------------------------------------------------------------


class Lookups:
    """The project's records a cell may name (members, work packages, tasks, resources…), each
    read in one query the first time a column needs it."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, dict[str, Any]] = {}

    def _table(self, name: str, build: Callable[[], Iterable[tuple[str, Any]]]) -> dict[str, Any]:
        if name not in self._cache:
            table: dict[str, Any] = {}
            for key, value in build():
                # A key two records share names neither: the cell must say which.
                key = key.strip().lower()
                table[key] = None if key in table and table[key] != value else value
            self._cache[name] = table
        return self._cache[name]

    def member(self, text: str) -> AbstractBaseUser:
        def build():
            users = get_user_model()._default_manager.filter(memberships__project=self.project)
            for user in users:
                yield user.get_username(), user
                if user.email:
                    yield user.email, user

        found = self._table("member", build).get(text.lower())
        if found is None:
            raise ValidationError(f"“{text}” is not a member of {self.project.key}.")
        return found

    def work_package(self, text: str) -> WorkPackage:
        def build():
            for package in WorkPackage.objects.filter(project=self.project):
                yield package.code, package
                yield package.name, package

        found = self._table("work_package", build).get(text.lower())
        if found is None:
            raise ValidationError(
                f"{self.project.key} has no work package “{text}” (give its WBS code or name)."
            )
        return found

    def phase(self, text: str) -> Phase:
        found = self._table(
            "phase", lambda: ((p.name, p) for p in Phase.objects.filter(project=self.project))
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no phase “{text}”.")
        return found

    def task(self, text: str) -> Task:
        def build():
            for task in Task.objects.filter(project=self.project).only("id", "ref", "name"):
                yield str(task.ref), task
                yield f"#{task.ref}", task
                yield task.name, task

        found = self._table("task", build).get(text.lower())
        if found is None:
            raise ValidationError(
                f"{self.project.key} has no task “{text}” (give its number or its name)."
            )
        return found

    def resource(self, text: str) -> Resource:
        found = self._table(
            "resource",
            lambda: ((r.name, r) for r in Resource.objects.filter(project=self.project)),
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no resource “{text}”.")
        return found

    def deliverable(self, text: str) -> Deliverable:
        found = self._table(
            "deliverable",
            lambda: ((d.name, d) for d in Deliverable.objects.filter(project=self.project)),
        ).get(text.lower())
        if found is None:
            raise ValidationError(f"{self.project.key} has no deliverable “{text}”.")
        return found


# A parser turns one cell (text from CSV; text, a number or a date from Excel) into the value the
# service takes, or raises ValidationError with the message a person reads. Empty cells never
# reach a parser: the column's service default applies.
Parser = Callable[[Any, Lookups], Any]


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return csv_unguard(str(value).strip())


def text(max_length: int | None = None) -> Parser:
    def parse(value: Any, lookups: Lookups) -> str:
        result = _text_of(value)
        if max_length is not None and len(result) > max_length:
            raise ValidationError(f"At most {max_length} characters (this has {len(result)}).")
        return result

    return parse


def whole(low: int, high: int) -> Parser:
    def parse(value: Any, lookups: Lookups) -> int:
        cell = _text_of(value).rstrip("%").strip()
        try:
            number = Decimal(cell)
        except InvalidOperation:
            raise ValidationError(f"“{cell}” is not a number.") from None
        if number != number.to_integral_value() or not low <= number <= high:
            raise ValidationError(f"Give a whole number from {low} to {high:,}; “{cell}” is not.")
        return int(number)

    return parse


def decimal(places: int = 2) -> Parser:
    def parse(value: Any, lookups: Lookups) -> Decimal:
        cell = _text_of(value).replace(",", "").replace(" ", "")
        try:
            number = Decimal(cell)
        except InvalidOperation:
            raise ValidationError(f"“{cell}” is not an amount, e.g. 1250.00.") from None
        if not number.is_finite():
            raise ValidationError(f"“{cell}” is not an amount, e.g. 1250.00.")
        return number.quantize(Decimal(1).scaleb(-places))

    return parse


def date(value: Any, lookups: Lookups) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    cell = _text_of(value)
    try:
        return datetime.date.fromisoformat(cell[:10]) if len(cell) >= 10 else _bad_date(cell)
    except ValueError:
        return _bad_date(cell)


def _bad_date(cell: str) -> datetime.date:
    raise ValidationError(f"“{cell}” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31.")


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.lower())


def choice(choices: type) -> Parser:
    """A value of ``choices`` (a TextChoices), by its value or its label, in any case."""
    table = {_key(value): value for value in choices.values} | {
        _key(str(label)): value for value, label in choices.choices
    }

    def parse(value: Any, lookups: Lookups) -> str:
        cell = _text_of(value)
        found = table.get(_key(cell))
        if found is None:
            raise ValidationError(
                f"“{cell}” is not one of: {', '.join(str(v) for v in choices.values)}."
            )
        return found

    return parse


def lookup(name: str) -> Parser:
    return lambda value, lookups: getattr(lookups, name)(_text_of(value))


def each(parse: Parser, separator: str = ";") -> Parser:
    """A list of values in one cell, separated by ``separator`` (or line breaks)."""

    def parse_all(value: Any, lookups: Lookups) -> list[Any]:
        parts = re.split(rf"[{re.escape(separator)}\n]", _text_of(value))
        return [parse(part.strip(), lookups) for part in parts if part.strip()]

    return parse_all


def _username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


# --- registers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its header, the service keyword (and error field) it fills, how a record
    gives its value, and how a cell is read (None: computed, exported only)."""

    header: str
    field: str
    value: Callable[[Any], Any]
    parse: Parser | None = None
    required: bool = False
    example: Any = ""
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> set[str]:
        return {_key(self.header), _key(self.field), *(_key(a) for a in self.aliases)}


def attr(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, name)


@dataclass(frozen=True)
class Register:
    """A register: its URL name, its sheet title, its columns, the rows an export reads (in
    the register's order, with what the columns need in the same query) and how a row is
    created: ``create(project=, by=, **fields)`` through the app's service."""

    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Project], QuerySet]
    create: Callable[..., Model] | None = None
    # Instead of ``create`` per row: all rows at once (tasks, whose links name each other),
    # ``(project=, by=, rows=[(row number, fields)], refused={row numbers with bad cells})``
    # -> (records, errors); it writes nothing when any row is refused.
    create_all: Callable[..., tuple[list[Model], list[RowError]]] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def importable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.parse is not None)


# --- tasks: all rows in one load, links by the file's task numbers -------------------------------


def _tasks_of(project: Project) -> QuerySet:
    links = Dependency.objects.select_related("predecessor").only(
        "successor_id", "type", "lag", "predecessor__ref"
    )
    return (
        Task.objects.filter(project=project)
        .select_related("work_package", "owner")
        .prefetch_related(Prefetch("predecessor_links", queryset=links))
        .order_by("work_package__sort_key", "position", "ref")
    )


def _tasks_create_all(
    *,
    project: Project,
    by: AbstractBaseUser,
    rows: Sequence[tuple[int, dict[str, Any]]],
    refused: frozenset[int] = frozenset(),
) -> tuple[list[Task], list[RowError]]:
    """Load the rows with ``plan_load`` (one recompute), their predecessors naming other rows by
    the file's "Number" column (or, without it, by their place among the rows, 1 for the first);
    then set owners, which a plan load leaves out, through ``task_update``."""
    errors: list[RowError] = []
    numbered = any("ref" in fields for _, fields in rows)
    index_of: dict[int, int] = {}
    for index, (number, fields) in enumerate(rows):
        ref = fields.get("ref") if numbered else index + 1
        if ref is None:
            continue
        if ref in index_of:
            errors.append(RowError(number, "ref", f"Task number {ref} is given twice."))
        index_of[ref] = index
    links: list[LoadLink] = []
    tasks: list[dict[str, Any]] = []
    owners: dict[int, AbstractBaseUser] = {}
    for index, (number, fields) in enumerate(rows):
        fields = dict(fields)
        fields.pop("ref", None)
        owner = fields.pop("owner", None)
        if owner is not None:
            owners[index] = owner
        for link in fields.pop("predecessors", None) or ():
            if link.ref not in index_of:
                errors.append(
                    RowError(number, "predecessors", f"The file has no task numbered {link.ref}.")
                )
            elif index_of[link.ref] == index:
                errors.append(RowError(number, "predecessors", "A task cannot depend on itself."))
            else:
                links.append(LoadLink(index_of[link.ref], index, link.type, link.lag))
        if number in refused:
            continue  # its cells were reported already
        task = Task(project=project, **fields)
        try:
            # The checks plan_load makes, here per row so that the report names row and column
            # (plan_load stops at the first bad row).
            task.full_clean(
                exclude=["project", "work_package", "phase", "owner", "ref", "external_id"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors.extend(_row_errors(number, error))
        tasks.append(fields)
    if errors or refused:
        return [], errors
    try:
        created, _ = plan_load(project=project, by=by, tasks=tasks, links=links)
    except ValidationError as error:
        match = re.match(r"Task (\d+) “", " ".join(error.messages))
        # A bad row names itself ("Task 3 “Build”: …"); a loop names its tasks, not a row.
        if match:
            return [], _row_errors(rows[int(match[1]) - 1][0], error)
        return [], _row_errors(None, error, default="predecessors")
    for index, owner in owners.items():
        number = rows[index][0]
        try:
            with transaction.atomic():
                scheduling_services.task_update(
                    task=created[index], by=by, version=None, owner=owner
                )
        except ValidationError as error:
            errors.extend(_row_errors(number, error))
    return created, errors


def _predecessors(value: Any, lookups: Lookups) -> list[predecessors.PredecessorLink]:
    try:
        return predecessors.parse(_text_of(value))
    except predecessors.PredecessorError as error:
        raise ValidationError(error.messages) from None


TASKS = Register(
    slug="tasks",
    title="Tasks",
    columns=(
        Column("Number", "ref", attr("ref"), whole(1, 10**9), example=1, aliases=("#", "ID")),
        Column("Name", "name", attr("name"), text(200), required=True, example="Design review"),
        Column(
            "Work package",
            "work_package",
            lambda t: t.work_package.code if t.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Duration", "duration", attr("duration"), whole(0, 10_000), example=5),
        Column("Predecessors", "predecessors", attr("predecessors_text"), _predecessors),
        Column("Start", "start_date", attr("start_date")),
        Column("Finish", "finish_date", attr("finish_date")),
        Column("Constraint date", "constraint_date", attr("constraint_date"), date),
        Column("Deadline", "deadline", attr("deadline"), date),
        Column(
            "Percent complete",
            "percent_complete",
            attr("percent_complete"),
            whole(0, 100),
            example=0,
            aliases=("% complete",),
        ),
        Column("Actual start", "actual_start", attr("actual_start"), date),
        Column("Actual finish", "actual_finish", attr("actual_finish"), date),
        Column(
            "Optimistic duration",
            "optimistic_duration",
            attr("optimistic_duration"),
            whole(0, 10_000),
        ),
        Column(
            "Most likely duration",
            "most_likely_duration",
            attr("most_likely_duration"),
            whole(0, 10_000),
        ),
        Column(
            "Pessimistic duration",
            "pessimistic_duration",
            attr("pessimistic_duration"),
            whole(0, 10_000),
        ),
        Column("Priority", "priority", attr("priority"), whole(0, 1000)),
        Column("Fixed cost", "fixed_cost", attr("fixed_cost"), decimal(2)),
        Column("Owner", "owner", lambda t: _username(t.owner), lookup("member")),
        Column("Description", "description", attr("description"), text()),
    ),
    rows=_tasks_of,
    create_all=_tasks_create_all,
    notes=(
        "Predecessors name tasks by the file's Number column (without one, by their row: 1 is "
        "the first task), e.g. 3FS+2d, 5SS.",
    ),
)


# --- risks and issues -----------------------------------------------------------------------------


RISKS = Register(
    slug="risks",
    title="Risks",
    columns=(
        Column("Ref", "reference", attr("reference")),
        Column("Title", "title", attr("title"), text(200), required=True, example="Vendor slips"),
        Column("Kind", "kind", attr("kind"), choice(RiskKind), example="threat"),
        Column("Category", "category", attr("category"), choice(RiskCategory), example="vendor"),
        Column("Probability", "probability", attr("probability"), whole(1, 5), example=3),
        Column("Impact", "impact", attr("impact"), whole(1, 5), example=4),
        Column("Score", "score", attr("score")),
        Column("Level", "level", attr("level")),
        Column("Status", "status", attr("status"), choice(RiskStatus), example="open"),
        Column("Owner", "owner", lambda r: _username(r.owner), lookup("member")),
        Column("Cause", "cause", attr("cause"), text()),
        Column("Event", "event", attr("event"), text()),
        Column("Effect", "effect", attr("effect"), text()),
        Column("Trigger", "trigger", attr("trigger"), text()),
        Column("Proximity", "proximity", attr("proximity"), date),
        Column(
            "Response strategy",
            "response_strategy",
            attr("response_strategy"),
            choice(Strategy),
            example="mitigate",
        ),
        Column("Response plan", "response_plan", attr("response_plan"), text()),
        Column("Contingency plan", "contingency_plan", attr("contingency_plan"), text()),
        Column(
            "Residual probability",
            "residual_probability",
            attr("residual_probability"),
            whole(1, 5),
        ),
        Column("Residual impact", "residual_impact", attr("residual_impact"), whole(1, 5)),
        Column("Cost impact", "cost_impact", attr("cost_impact"), decimal(2), example="5000.00"),
    ),
    rows=lambda project: (
        Risk.objects.filter(project=project).select_related("owner").order_by("number")
    ),
    create=risk_services.risk_create,
)


def _issue_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    status: str | None = None,
    resolution: str | None = None,
    **fields: Any,
) -> Issue:
    """An issue as ``issue_create`` opens it, then its status and resolution (a resolved issue
    needs a resolution) through ``issue_update``, as a person would set them."""
    issue = risk_services.issue_create(project=project, by=by, **fields)
    changes = {
        name: value
        for name, value in (("status", status), ("resolution", resolution))
        if value not in (None, "")
    }
    if changes and changes != {"status": Issue.Status.OPEN}:
        issue = risk_services.issue_update(issue=issue, by=by, version=None, **changes)
    return issue


ISSUES = Register(
    slug="issues",
    title="Issues",
    columns=(
        Column("Ref", "reference", attr("reference")),
        Column("Title", "title", attr("title"), text(200), required=True, example="Outage"),
        Column("Description", "description", attr("description"), text()),
        Column("Priority", "priority", attr("priority"), choice(Issue.Priority), example="high"),
        Column("Owner", "owner", lambda i: _username(i.owner), lookup("member")),
        Column("Due date", "due_date", attr("due_date"), date),
        Column("Status", "status", attr("status"), choice(Issue.Status), example="open"),
        Column("Resolution", "resolution", attr("resolution"), text()),
    ),
    rows=lambda project: (
        Issue.objects.filter(project=project).select_related("owner").order_by("number")
    ),
    create=_issue_create,
)


# --- stakeholders ---------------------------------------------------------------------------------


STAKEHOLDERS = Register(
    slug="stakeholders",
    title="Stakeholders",
    columns=(
        Column("Name", "name", attr("name"), text(200), required=True, example="Sam Sponsor"),
        Column("Organisation", "organisation", attr("organisation"), text(200)),
        Column("Title", "title", attr("title"), text(200), example="CFO"),
        Column("E-mail", "email", attr("email"), text(254), aliases=("email",)),
        Column("Kind", "kind", attr("kind"), choice(Stakeholder.Kind), example="internal"),
        Column("Power", "power", attr("power"), whole(1, 5), example=5),
        Column("Interest", "interest", attr("interest"), whole(1, 5), example=4),
        Column("Quadrant", "quadrant", lambda s: s.quadrant.value),
        Column(
            "Engagement current",
            "engagement_current",
            attr("engagement_current"),
            choice(Engagement),
            example="neutral",
        ),
        Column(
            "Engagement desired",
            "engagement_desired",
            attr("engagement_desired"),
            choice(Engagement),
            example="supportive",
        ),
        Column("Communication needs", "communication_needs", attr("communication_needs"), text()),
        Column("Notes", "notes", attr("notes"), text()),
    ),
    rows=lambda project: Stakeholder.objects.filter(project=project).order_by(Lower("name"), "id"),
    create=stakeholder_services.stakeholder_create,
)


# --- scope: requirements and deliverables ---------------------------------------------------------


REQUIREMENTS = Register(
    slug="requirements",
    title="Requirements",
    columns=(
        Column("Ref", "ref", attr("ref"), text(20), example="REQ-001"),
        Column("Text", "text", attr("text"), text(), required=True, example="Single sign-on"),
        Column("Category", "category", attr("category"), text(60)),
        Column(
            "Priority", "priority", attr("priority"), choice(Requirement.Priority), example="must"
        ),
        Column("Source", "source", attr("source"), text(200)),
        Column("Status", "status", attr("status"), choice(Requirement.Status), example="proposed"),
        Column(
            "Deliverables",
            "deliverables",
            lambda r: "; ".join(d.name for d in r.deliverables.all()),
            each(lookup("deliverable")),
        ),
    ),
    rows=lambda project: (
        Requirement.objects.filter(project=project)
        .prefetch_related(Prefetch("deliverables", queryset=Deliverable.objects.order_by("name")))
        .order_by("ref")
    ),
    create=project_services.requirement_create,
)


def _criteria_text(deliverable: Deliverable) -> str:
    return "\n".join(c.text for c in deliverable.criteria.all())


DELIVERABLES = Register(
    slug="deliverables",
    title="Deliverables",
    columns=(
        Column("Name", "name", attr("name"), text(200), required=True, example="Pilot"),
        Column("Description", "description", attr("description"), text()),
        Column("Owner", "owner", lambda d: _username(d.owner), lookup("member")),
        Column("Due date", "due_date", attr("due_date"), date),
        Column(
            "Work package",
            "work_package",
            lambda d: d.work_package.code if d.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Status", "status", attr("status")),
        Column(
            "Acceptance criteria",
            "criteria",
            _criteria_text,
            each(text(), separator="\n"),
            example="Signed off by the sponsor",
        ),
    ),
    rows=lambda project: (
        Deliverable.objects.filter(project=project)
        .select_related("owner", "work_package")
        .prefetch_related("criteria")
        .order_by("due_date", "name", "id")
    ),
    create=project_services.deliverable_create,
)


# --- budgets: budget lines and time entries -------------------------------------------------------


BUDGET_LINES = Register(
    slug="budget-lines",
    title="Budget lines",
    columns=(
        Column(
            "Category",
            "category",
            attr("category"),
            choice(Category),
            required=True,
            example="hardware",
        ),
        Column("Name", "name", attr("name"), text(200), example="Laptops for testers"),
        Column(
            "Planned amount",
            "planned_amount",
            attr("planned_amount"),
            decimal(2),
            required=True,
            example="12000.00",
        ),
        Column(
            "Work package",
            "work_package",
            lambda b: b.work_package.code if b.work_package else "",
            lookup("work_package"),
            aliases=("WBS",),
        ),
        Column("Phase", "phase", lambda b: b.phase.name if b.phase else "", lookup("phase")),
        Column("Note", "note", attr("note"), text()),
    ),
    rows=lambda project: (
        BudgetLine.objects.filter(project=project)
        .select_related("work_package", "phase")
        .order_by("category", "name", "id")
    ),
    create=budget_services.budget_line_create,
)


def _time_entry_create(
    *,
    project: Project,
    by: AbstractBaseUser,
    resource: Resource,
    task: Task,
    **fields: Any,
) -> TimeEntry:
    # time_entry_log takes the project from the task, which the lookup found in this project.
    return budget_services.time_entry_log(resource=resource, task=task, by=by, **fields)


TIME_ENTRIES = Register(
    slug="time-entries",
    title="Time entries",
    columns=(
        Column("Date", "date", attr("date"), date, required=True, example="2026-03-02"),
        Column(
            "Resource",
            "resource",
            lambda e: e.resource.name,
            lookup("resource"),
            required=True,
            example="Ana",
        ),
        Column(
            "Task",
            "task",
            lambda e: e.task.ref if e.task else "",
            lookup("task"),
            required=True,
            example=1,
        ),
        Column("Task name", "task_name", lambda e: e.task.name if e.task else ""),
        Column("Hours", "hours", attr("hours"), decimal(2), required=True, example="7.50"),
        Column("Cost", "cost", attr("cost")),
        Column("Note", "note", attr("note"), text(300)),
    ),
    rows=lambda project: (
        TimeEntry.objects.filter(project=project)
        .select_related("resource", "task")
        .order_by("date", "resource__name", "id")
    ),
    create=_time_entry_create,
)


REGISTERS: dict[str, Register] = {
    register.slug: register
    for register in (
        TASKS,
        RISKS,
        ISSUES,
        STAKEHOLDERS,
        REQUIREMENTS,
        DELIVERABLES,
        BUDGET_LINES,
        TIME_ENTRIES,
    )
}


# --- export ---------------------------------------------------------------------------------------


def _filename(project: Project, register: Register, extension: str, template: bool) -> str:
    what = f"{register.slug}-template" if template else register.slug
    return f"{project.key}-{what}-{project.today():%Y-%m-%d}.{extension}"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def register_export(
    *, register: Register, project: Project, format: str = "csv", template: bool = False
) -> ExportFile:
    """The register as CSV or Excel: a header row and a row per record (the same query however
    many rows), every text cell guarded against formula injection. ``template``: the columns an
    import reads, with one example row instead of the records."""
    if template:
        columns = register.importable
        rows: Iterable[Sequence[Any]] = [[column.example for column in columns]]
    else:
        columns = register.columns
        rows = ([column.value(record) for column in columns] for record in register.rows(project))
    header = [column.header for column in columns]
    if format == "xlsx":
        content = sheets.write_xlsx(register.title, header, rows)
        return ExportFile(content, sheets.XLSX_TYPE, _filename(project, register, "xlsx", template))
    return ExportFile(
        sheets.write_csv(header, rows),
        sheets.CSV_TYPE,
        _filename(project, register, "csv", template),
    )


# --- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """What is wrong with a cell: the file's row (the header is 1; None: the file as a whole),
    the column's field name, and the message."""

    row: int | None
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_errors(row: int | None, error: ValidationError, default: str = "row") -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(row, default if name == "__all__" else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row, default, message) for message in error.messages]


class _Refused(Exception):
    """Leaves the import's transaction (so that it rolls back) carrying the report."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def _map_header(
    register: Register, header: Sequence[str]
) -> tuple[list[tuple[int, Column]], list[str], list[Column]]:
    """(cell index, column) for each importable column found; the headers nobody knows; the
    required columns missing. Computed columns (a risk's score) are known and skipped."""
    by_key = {key: column for column in register.columns for key in column.keys}
    found: list[tuple[int, Column]] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for index, name in enumerate(header):
        column = by_key.get(_key(name))
        if column is None:
            if name.strip():
                unknown.append(name.strip())
            continue
        if column.field in seen or column.parse is None:
            continue
        seen.add(column.field)
        found.append((index, column))
    missing = [c for c in register.importable if c.required and c.field not in seen]
    return found, unknown, missing


def register_import(
    *, register: Register, project: Project, by: AbstractBaseUser, data: bytes
) -> ImportResult:
    """Import the rows of a CSV or Excel file into the register: every row or none.

    Columns are matched by header; unknown ones are reported (``ignored_columns``) and skipped,
    a missing required one refuses the file. Each row goes through the register's service;
    when any row fails, nothing is kept and the result lists every error by row and column."""
    try:
        table = sheets.read_table(data)
    except sheets.SheetError as error:
        return ImportResult(errors=[RowError(None, "file", str(error))])
    columns, unknown, missing = _map_header(register, table.header)
    if missing:
        names = ", ".join(c.header for c in missing)
        return ImportResult(
            errors=[
                RowError(
                    1,
                    "header",
                    f"The file has no {names} column{'s' if len(missing) > 1 else ''}; "
                    f"the columns are: {', '.join(c.header for c in register.importable)}.",
                )
            ],
            ignored_columns=unknown,
        )
    if not table.rows:
        return ImportResult(errors=[RowError(2, "file", "The file has no rows to import.")])
    lookups = Lookups(project)
    try:
        with transaction.atomic():
            result = _import_rows(register, project, by, table, columns, lookups)
            result.ignored_columns = unknown
            if not result.ok:
                raise _Refused(result)
    except _Refused as refused:
        return refused.result
    return result


def _import_rows(
    register: Register,
    project: Project,
    by: AbstractBaseUser,
    table: sheets.Table,
    columns: list[tuple[int, Column]],
    lookups: Lookups,
) -> ImportResult:
    errors: list[RowError] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    refused: set[int] = set()
    for number, cells in table.rows:
        fields: dict[str, Any] = {}
        bad = False
        for index, column in columns:
            cell = cells[index] if index < len(cells) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if column.required:
                    errors.append(RowError(number, column.field, f"{column.header} is needed."))
                    bad = True
                continue
            try:
                fields[column.field] = column.parse(cell, lookups)
            except ValidationError as error:
                errors.extend(RowError(number, column.field, m) for m in error.messages)
                bad = True
        parsed.append((number, fields))
        if bad:
            refused.add(number)
    if register.create_all is not None:
        # All rows, the refused ones too: a link to a row with a bad cell is not "unknown".
        created, more = register.create_all(
            project=project, by=by, rows=parsed, refused=frozenset(refused)
        )
        return ImportResult(created=len(created), errors=sorted_errors(errors + more))
    lock_project(project)
    created = 0
    for number, fields in parsed:
        if number in refused:
            continue
        try:
            # A savepoint per row: a refused row leaves nothing behind, and the next rows are
            # still tried so that the report names every bad row at once.
            with transaction.atomic():
                register.create(project=project, by=by, **fields)
            created += 1
        except ValidationError as error:
            errors.extend(_row_errors(number, error))
    return ImportResult(created=created, errors=sorted_errors(errors))


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    """By row (the file's errors first), in the order found within a row."""
    return sorted(errors, key=lambda e: -1 if e.row is None else e.row)
