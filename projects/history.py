"""Reads of the audit trail: every recorded change of a project's records, across every app.

The ground floor cannot import the apps above it, so it finds their history through Django's
app registry: every model that records history with simple-history's ``HistoricalRecords`` and
belongs to a project, either through a ``project`` foreign key or through one required foreign
key to a model that has one (an acceptance criterion through its deliverable, a risk action
through its risk). A model whose path is not the obvious one names it in a class attribute,
``history_project_via = "<foreign key>"``. A model added to any app is in the trail the day it
gets ``HistoricalRecords``, with nothing to register.

A page of the trail costs a fixed number of queries whatever its size: the count and the page of
``(history_id, date, kind)`` rows come from one ``UNION ALL`` of every historical table filtered
to the project; then one query per kind on the page fetches its rows with their authors and, in
another, the records the changes are diffed against; then one query per related model
turns the foreign keys the page shows into names. Diffs are computed for the page only.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from simple_history.utils import get_m2m_reverse_field_name

from projects import money
from projects.models import Project

PAGE_SIZE = 50

# The project's areas (its side navigation), by the app that owns the record.
AREAS = {
    "scope": "Scope",
    "schedule": "Schedule",
    "budget": "Budget",
    "risk": "Risk",
    "stakeholders": "Stakeholders",
    "reports": "Reports",
}
AREA_OF_APP = {
    "projects": "scope",
    "scheduling": "schedule",
    "budgets": "budget",
    "risks": "risk",
    "stakeholders": "stakeholders",
    "reports": "reports",
}

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}

# Fields whose values are the record's bookkeeping, not what a person changed.
QUIET_FIELDS = frozenset({"id", "project", "created_at", "updated_at", "created_by", "version"})
# The fields that name a record, in order of preference.
LABEL_FIELDS = ("name", "title", "subject", "code", "description", "text")
LABEL_LENGTH = 60


@dataclass(frozen=True)
class Tracked:
    """A model whose history belongs to a project, and how to reach the project from it."""

    label: str  # "scheduling.task", the model's label in URLs and the API's ``model`` filter
    model: type[models.Model]
    history: type[models.Model]
    area: str
    via: str | None  # None: the record has ``project``; else the foreign key to its parent
    parent: str | None  # the parent's label when ``via`` is set

    @property
    def verbose_name(self) -> str:
        return capfirst(str(self.model._meta.verbose_name))

    @property
    def noun(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def noun_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)


@dataclass
class Change:
    field: str  # the field's name, as the API names it
    label: str  # its human name, "Percent complete"
    old: Any  # raw values (ids for foreign keys), for the API
    new: Any
    old_display: str = "—"
    new_display: str = "—"


@dataclass
class HistoryEntry:
    history_id: int
    model: str  # Tracked.label
    area: str
    when: datetime.datetime
    who: Any  # the user, or None for changes made outside a request (imports, the shell)
    object_id: int
    subject: str  # "Task Build"
    action: str  # "created", "changed" or "deleted"
    changes: list[Change] = field(default_factory=list)
    # False when a change has no earlier version to compare with (a record written in bulk,
    # without history): ``changes`` then lists the values it was saved with, as for a creation.
    compared: bool = True

    @property
    def area_label(self) -> str:
        return AREAS.get(self.area, capfirst(self.area))


@dataclass(frozen=True)
class HistoryFilter:
    """What the trail is narrowed to; every part is optional."""

    area: str = ""
    user_id: int | None = None
    model: str = ""
    object_id: int | None = None


# --- The registry --------------------------------------------------------------------------------


@functools.cache
def tracked_models() -> dict[str, Tracked]:
    """Every model with history that belongs to a project, by label (read once from the registry).

    Cached for the process: the app registry does not change after start-up.
    """
    candidates = {
        model._meta.label_lower: model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    }
    found: dict[str, Tracked] = {}

    def add(label: str, model: type[models.Model], via: str | None, parent: str | None) -> None:
        history = getattr(model, model._meta.simple_history_manager_attribute).model
        area = AREA_OF_APP.get(model._meta.app_label, model._meta.app_label)
        found[label] = Tracked(label, model, history, area, via, parent)

    for label, model in candidates.items():
        if model is Project:
            add(label, model, None, None)
        elif _project_fk(model) is not None and not hasattr(model, "history_project_via"):
            add(label, model, None, None)
    # One level of parents is enough for every model today; a second pass catches a grandchild.
    for _ in range(2):
        for label, model in candidates.items():
            if label in found:
                continue
            via = getattr(model, "history_project_via", None) or _parent_fk(model, found)
            if via:
                parent = model._meta.get_field(via).related_model._meta.label_lower
                if parent in found:
                    add(label, model, via, parent)
    return found


def _is_fk(model_field: Any) -> bool:
    """A foreign key or a one-to-one link held on this model."""
    return bool(model_field.concrete and (model_field.many_to_one or model_field.one_to_one))


def _project_fk(model: type[models.Model]) -> models.Field | None:
    try:
        candidate = model._meta.get_field("project")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: the model has no project
        return None
    if _is_fk(candidate) and candidate.related_model is Project:
        return candidate
    return None


def _parent_fk(model: type[models.Model], found: dict[str, Tracked]) -> str | None:
    """The first required foreign key to a model already in the trail (the record's owner)."""
    for candidate in model._meta.concrete_fields:
        if (
            _is_fk(candidate)
            and not candidate.null
            and candidate.related_model._meta.label_lower in found
        ):
            return candidate.name
    return None


def areas() -> dict[str, str]:
    return dict(AREAS)


# --- Queries -------------------------------------------------------------------------------------


def _history_of(tracked: Tracked, project_pk: int) -> QuerySet:
    """The historical rows of one model that belong to the project (its deleted records too).

    A child reaches the project through its parent's *history*, not the live parent, so the
    trail still shows the criteria of a deliverable that has since been deleted.
    """
    rows = tracked.history.objects.all()
    if tracked.model is Project:
        return rows.filter(id=project_pk)
    if tracked.via is None:
        return rows.filter(project_id=project_pk)
    parent = tracked_models()[tracked.parent]
    parents = _history_of(parent, project_pk).order_by().values("id")
    return rows.filter(**{f"{tracked.via}_id__in": parents})


def _selected(filters: HistoryFilter) -> list[Tracked]:
    chosen = []
    for tracked in tracked_models().values():
        if filters.area and tracked.area != filters.area:
            continue
        if filters.model and tracked.label != filters.model:
            continue
        chosen.append(tracked)
    return chosen


def history_rows(project: Project, filters: HistoryFilter) -> QuerySet | None:
    """The project's trail as ``(history_id, history_date, kind)`` rows, newest first.

    ``kind`` is the model's label. None when the filters select no model at all.
    """
    parts = []
    for tracked in _selected(filters):
        rows = _history_of(tracked, project.pk)
        if filters.user_id is not None:
            rows = rows.filter(history_user_id=filters.user_id)
        if filters.object_id is not None:
            rows = rows.filter(id=filters.object_id)
        parts.append(
            rows.annotate(history_kind=Value(tracked.label, output_field=models.CharField()))
            .values("history_id", "history_date", "history_kind")
            .order_by()  # historical models order by date; a UNION's parts may not
        )
    if not parts:
        return None
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return union.order_by("-history_date", "-history_id", "history_kind")


def history_page(
    project: Project,
    filters: HistoryFilter,
    page_number: Any,
    *,
    per_page: int = PAGE_SIZE,
) -> Page:
    """One page of the project's trail as ``HistoryEntry``s, newest first (see the module)."""
    rows = history_rows(project, filters)
    page = Paginator(rows if rows is not None else [], per_page).get_page(page_number)
    page.object_list = history_entries(project, list(page.object_list))
    return page


def history_entries(project: Project, rows: list[dict]) -> list[HistoryEntry]:
    """The entries for a page of ``history_rows``: records, authors, diffs and display names."""
    registry = tracked_models()
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row["history_kind"], []).append(row["history_id"])

    records: dict[tuple[str, int], Any] = {}
    for kind, ids in wanted.items():
        history = registry[kind].history
        fetched = {
            record.history_id: record
            for record in history.objects.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(previous_id=_previous(history))
        }
        # The versions the page's changes are diffed against, by primary key (two indexed
        # lookups; one query with ``OR history_id IN (subquery)`` made PostgreSQL scan the table).
        earlier = [
            r.previous_id for r in fetched.values() if r.history_type == "~" and r.previous_id
        ]
        fetched |= history.objects.in_bulk([i for i in earlier if i not in fetched])
        _attach_m2m(history, fetched)
        for history_id in ids:
            record = fetched[history_id]
            record.previous = (
                fetched.get(record.previous_id) if record.history_type == "~" else None
            )
            records[(kind, history_id)] = record

    pairs = []
    for row in rows:
        record = records[(row["history_kind"], row["history_id"])]
        pairs.append((_entry(registry[row["history_kind"]], record), record))
    _resolve_names(project, pairs)
    return [entry for entry, _ in pairs]


def _attach_m2m(history: type[models.Model], fetched: dict[int, Any]) -> None:
    """Each record's many-to-many members (a communication item's audience) as ``m2m`` on it:
    one query per such field for the whole page, where ``diff_against`` makes two per record."""
    for record in fetched.values():
        record.m2m = {}
    for m2m_field in getattr(history, "_history_m2m_fields", ()):
        members: dict[int, set] = {history_id: set() for history_id in fetched}
        through = getattr(history, m2m_field.name).model
        target = get_m2m_reverse_field_name(m2m_field)
        for history_id, member in through.objects.filter(history_id__in=list(fetched)).values_list(
            "history_id", target
        ):
            members[history_id].add(member)
        for history_id, record in fetched.items():
            record.m2m[m2m_field.name] = sorted(members[history_id])


def _previous(history: type[models.Model]) -> Subquery:
    """The history_id of the same record's version just before the outer one."""
    earlier = history.objects.filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")),
        id=OuterRef("id"),
    ).order_by("-history_date", "-history_id")
    return Subquery(earlier.values("history_id")[:1])


# --- Entries -------------------------------------------------------------------------------------


def _fields(record: Any) -> dict[str, models.Field]:
    """The record's tracked fields by name, bookkeeping left out; many-to-many ones last."""
    plain = {f.name: f for f in record.tracked_fields if f.name not in QUIET_FIELDS and f.concrete}
    return plain | {f.name: f for f in getattr(record, "_history_m2m_fields", ())}


def _entry(tracked: Tracked, record: Any) -> HistoryEntry:
    action = ACTIONS[record.history_type]
    entry = HistoryEntry(
        history_id=record.history_id,
        model=tracked.label,
        area=tracked.area,
        when=record.history_date,
        who=record.history_user,
        object_id=record.id,
        subject=tracked.verbose_name,
        action=action,
    )
    fields = _fields(record)
    plain = {name: f for name, f in fields.items() if not f.many_to_many}
    if action == "changed" and record.previous is not None:
        # simple-history's diff covers the editable fields; fields a service sets (a risk's
        # score and level, a change request's decision) are compared the same way beside it.
        # Many-to-many members are compared from ``m2m``, fetched for the whole page at once.
        editable = [name for name, f in plain.items() if f.editable]
        delta = record.diff_against(record.previous, included_fields=editable)
        changed = {change.field: (change.old, change.new) for change in delta.changes}
        for name, f in plain.items():
            if not f.editable:
                old, new = getattr(record.previous, f.attname), getattr(record, f.attname)
                if old != new:
                    changed[name] = (old, new)
        for name, f in plain.items():  # in the model's field order
            if name in changed:
                old, new = changed[name]
                entry.changes.append(Change(name, _field_label(f), _raw(old), _raw(new)))
        for name, new in record.m2m.items():
            old = record.previous.m2m.get(name, [])
            if old != new:
                entry.changes.append(Change(name, _field_label(fields[name]), old, new))
    else:
        entry.compared = action != "changed"
    if action == "created" or not entry.compared:
        for name, f in plain.items():
            value = getattr(record, f.attname)
            if value not in (None, "", [], {}) and name not in LABEL_FIELDS:
                entry.changes.append(Change(name, _field_label(f), None, _raw(value)))
        for name, members in record.m2m.items():
            if members:
                entry.changes.append(Change(name, _field_label(fields[name]), None, members))
    return entry


def _field_label(model_field: models.Field) -> str:
    return capfirst(str(model_field.verbose_name))


def _raw(value: Any) -> Any:
    """A value as the API carries it: JSON types, dates in ISO 8601, decimals as strings."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_raw(item) for item in value]
    return value


def _resolve_names(project: Project, pairs: list[tuple[HistoryEntry, Any]]) -> None:
    """Fill in subjects and display values; one query per related model the page mentions."""
    wanted: dict[type[models.Model], set] = {}
    for entry, record in pairs:
        fields = _fields(record)
        naming = _naming(type(record))
        for f in (*naming.links, *naming.people):
            if getattr(record, f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(getattr(record, f.attname))
        for change in entry.changes:
            f = fields[change.field]
            if _is_fk(f):
                for value in (change.old, change.new):
                    if value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
            elif f.many_to_many:
                wanted.setdefault(f.related_model, set()).update(change.old or [], change.new)
    names = {model: _names_of(model, ids) for model, ids in wanted.items()}

    zone = project.zone
    for entry, record in pairs:
        fields = _fields(record)
        if not _naming(type(record)).alone:
            entry.subject = f"{entry.subject} {_subject(record, names, zone)}"
        for change in entry.changes:
            f = fields[change.field]
            change.old_display = _display(f, change.old, names, zone, project.currency)
            change.new_display = _display(f, change.new, names, zone, project.currency)


@dataclass(frozen=True)
class _Naming:
    """How the page names a record after its kind ("Task Build"); the first that gives a name:
    its own name or title; the names of the records it links (a dependency's two tasks); its
    date (a cost entry's day, a status report's week); the person it links (a membership's
    user); else its id. A project, and the project's one record of a kind (its calendar), need
    no name."""

    alone: bool = False
    own: str | None = None
    links: tuple = ()
    date: models.Field | None = None
    people: tuple = ()


@functools.cache
def _naming(history: type[models.Model]) -> _Naming:
    model = history.instance_type
    project_link = _project_fk(model)
    if model is Project or (project_link is not None and project_link.one_to_one):
        return _Naming(alone=True)
    tracked = [f for f in history.tracked_fields if f.concrete]
    names = {f.name for f in tracked}
    user_model = get_user_model()
    links = [f for f in tracked if _is_fk(f) and f.name not in QUIET_FIELDS]
    dates = [
        f
        for f in tracked
        if isinstance(f, models.DateField)
        and not isinstance(f, models.DateTimeField)
        and f.name not in QUIET_FIELDS
    ]
    return _Naming(
        own=next((name for name in LABEL_FIELDS if name in names), None),
        links=tuple(
            f for f in links if f.related_model is not user_model and _has_label(f.related_model)
        ),
        date=dates[0] if dates else None,
        people=tuple(f for f in links if f.related_model is user_model)[:1],
    )


def _subject(record: Any, names: dict, zone: Any) -> str:
    naming = _naming(type(record))
    if naming.own and getattr(record, naming.own):
        return Truncator(str(getattr(record, naming.own))).chars(LABEL_LENGTH)
    for group in (naming.links, naming.people):
        label = " · ".join(
            names[f.related_model].get(value, f"#{value}")
            for f in group
            if (value := getattr(record, f.attname)) is not None
        )
        if label:
            return label
        if group is naming.links and naming.date and getattr(record, naming.date.attname):
            return _display(naming.date, _raw(getattr(record, naming.date.attname)), names, zone)
    return f"#{record.id}"


def _has_label(model: type[models.Model]) -> bool:
    names = {f.name for f in model._meta.concrete_fields}
    return any(name in names for name in LABEL_FIELDS)


def _names_of(model: type[models.Model], ids: set) -> dict[Any, str]:
    if model is get_user_model():
        return {
            user.pk: user.get_full_name() or user.get_username()
            for user in model._default_manager.filter(pk__in=ids).only(
                "pk", "first_name", "last_name", model.USERNAME_FIELD
            )
        }
    field_names = {f.name for f in model._meta.concrete_fields}
    label_field = next((name for name in LABEL_FIELDS if name in field_names), None)
    if label_field is None:
        verbose = capfirst(str(model._meta.verbose_name))
        return {pk: f"{verbose} #{pk}" for pk in ids}
    return {
        pk: Truncator(str(label)).chars(LABEL_LENGTH)
        for pk, label in model._default_manager.filter(pk__in=ids).values_list("pk", label_field)
    }


# Decimal fields that hold money (cost entries, fixed and planned costs, change-request impacts,
# budget lines, rates): shown in the project's currency like everywhere else.
MONEY_FIELD_SUFFIXES = ("amount", "cost", "cost_impact", "budget", "price", "rate")


def _display(
    model_field: models.Field, value: Any, names: dict, zone: Any, currency: str | None = None
) -> str:
    """A value as a person reads it: choice labels, names for ids, human dates, money in the
    project's currency."""
    if value is None or value == "" or value == []:
        return "—"
    if model_field.many_to_many:
        related = names.get(model_field.related_model, {})
        return ", ".join(related.get(member, f"#{member}") for member in value)
    if _is_fk(model_field):
        return names.get(model_field.related_model, {}).get(value, f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(model_field, models.DateTimeField):
        moment = datetime.datetime.fromisoformat(value)
        if zone is not None and timezone.is_aware(moment):
            moment = moment.astimezone(zone)
        return f"{moment.day} {moment:%b %Y %H:%M %Z}".strip()
    if isinstance(model_field, models.DateField):
        day = datetime.date.fromisoformat(value)
        return f"{day.day} {day:%b %Y}"
    if isinstance(model_field, models.DecimalField):
        number = Decimal(value)
        if currency and model_field.name.endswith(MONEY_FIELD_SUFFIXES):
            return money.money(number, currency)
        return f"{number:,}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
