"""Plans in and out: MS Project XML read, previewed and imported through the lower apps'
services, and a project written back as MS Project XML. Plans in other formats (.mpp, .mpx,
.xer, Primavera P6 XML…) are first turned into MS Project XML by MPXJ (``interchange.convert``),
so one mapping reads them all.

``plan_preview`` says what an import would do without writing anything; ``plan_import`` does it
in one transaction (all or nothing): the project (new, or an empty one), its calendar, the WBS
from the summary tasks, every task and link in bulk with one recompute (``scheduling.services.
plan_load``), resources and assignments (``budgets.services``) and MS Project's baseline 0.
Both take the mapping from ``interchange.mapping``, so the preview and the import cannot
disagree. The ``Import`` record carries an upload through ``pending`` → ``preview`` → ``done``.

At the end, a person's calendar feed: made (or reset) with a new secret, revoked, marked used.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from budgets import services as budget_services
from budgets.models import Resource
from interchange import convert, mapping, mspdi
from interchange.models import CalendarFeed, Import
from projects import clock
from projects import services as project_services
from projects.models import Project, Role, WorkPackage
from projects.queue import enqueue_on_commit
from projects.selectors import require_role
from projects.services.common import check_manager
from scheduling import engine
from scheduling import services as scheduling_services
from scheduling.models import Baseline, Dependency, Task

BASELINE_NAME = "MS Project baseline 0"


def _json(value: Any) -> Any:
    """Dates and decimals as the API writes them (ISO strings, decimal strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _today(project: Project | None) -> datetime.date:
    return project.today() if project is not None else clock.today()


def _mapped(plan: mspdi.Plan, project: Project | None) -> mapping.Mapped:
    return mapping.map_plan(
        plan, today=_today(project), start=project.start_date if project else None
    )


def _check_cycle(mapped: mapping.Mapped, error: engine.CycleError) -> ValidationError:
    names = {t.uid: t.name for t in mapped.tasks}
    chain = " → ".join(f"“{names.get(uid, uid)}”" for uid in [*error.task_ids, error.task_ids[0]])
    return ValidationError(f"Links on summary tasks make a loop: {chain}.")


def plan_preview(*, plan: mspdi.Plan, project: Project | None = None) -> dict[str, Any]:
    """What importing ``plan`` (into ``project``, or a new project) would do; writes nothing.

    Counts, the skipped and converted items with their reasons, the finish MS Project stated
    and the one Charter computes, and every task whose dates differ, with why.
    """
    mapped = _mapped(plan, project)
    try:
        return mapping.schedule_preview(mapped)
    except engine.CycleError as error:
        raise _check_cycle(mapped, error) from None


def _unique_key(name: str) -> str:
    letters = re.sub(r"[^A-Z0-9]", "", name.upper())
    letters = letters.lstrip("0123456789") or "PLAN"
    stem = (letters[:6] if len(letters) >= 2 else f"{letters}P")[:6]
    key, number = stem, 1
    while Project.objects.filter(key=key).exists():
        number += 1
        key = f"{stem}{number}"[:10]
    return key


@transaction.atomic
def plan_import(
    *,
    plan: mspdi.Plan,
    by: AbstractBaseUser,
    project: Project | None = None,
    name: str = "",
    key: str = "",
    currency: str = "",
) -> Project:
    """Import ``plan`` into ``project`` (a project without tasks, which ``by`` manages) or a new
    project named ``name`` with ``key`` (defaults from the file). All or nothing."""
    mapped = _mapped(plan, project)
    try:
        preview = mapping.schedule_preview(mapped)
    except engine.CycleError as error:
        raise _check_cycle(mapped, error) from None
    if project is None:
        finish = max(
            [d for d in (preview["computed_finish"], mapped.file_finish, mapped.start) if d]
        )
        fields: dict[str, Any] = {}
        code = (currency or plan.currency_code or "").upper()
        if code and code in dict(Project._meta.get_field("currency").choices):
            fields["currency"] = code
        project = project_services.project_create(
            by=by,
            name=(name or mapped.name).strip()[:200] or "Imported plan",
            key=(key or _unique_key(name or mapped.name)).strip().upper(),
            start_date=mapped.start,
            target_finish=finish,
            **fields,
        )
    else:
        project = Project.objects.select_for_update().get(pk=project.pk)
        check_manager(project, by, "import a plan into it")
        if project.is_closed:
            raise PermissionDenied(f"{project.key} is closed and read-only.")
        if Task.objects.filter(project=project).exists():
            raise ValidationError(
                {"project": f"{project.key} already has tasks; import into an empty project."}
            )

    # The calendar first, while the project has no tasks: its recompute is then free.
    scheduling_services.calendar_update(
        project=project,
        by=by,
        version=None,
        working_weekdays=mapped.working_weekdays,
        holidays=[day for day, _ in mapped.holidays],
    )
    packages = _import_wbs(project, by, mapped)
    rows = [
        {**row, "position": task.position}
        for row, task in zip(_task_rows(mapped, packages), mapped.tasks, strict=True)
    ]
    tasks, _ = scheduling_services.plan_load(
        project=project, by=by, tasks=rows, links=_load_links(mapped)
    )
    by_uid = {task.uid: created for task, created in zip(mapped.tasks, tasks, strict=True)}
    _import_resources(project, by, mapped, by_uid)
    if mapped.baseline:
        scheduling_services.baseline_import(
            project=project,
            by=by,
            name=BASELINE_NAME,
            note="Baseline 0 of the MS Project plan, as the file recorded it.",
            is_performance=not Baseline.objects.filter(project=project).exists(),
            rows=[
                {
                    "task": by_uid[row.task_uid],
                    "start_date": row.start,
                    "finish_date": row.finish,
                    "duration": row.duration,
                    "cost": row.cost,
                }
                for row in mapped.baseline
            ],
        )
    project.refresh_from_db()
    return project


def _task_rows(mapped: mapping.Mapped, packages: dict) -> list[dict[str, Any]]:
    """The file's tasks as rows of ``plan_load``/``plan_sync``, with their work packages."""
    return [
        {
            "name": task.name,
            "description": task.description,
            "work_package": packages.get(task.package_uid),
            "duration": task.duration,
            "constraint_date": task.constraint_date,
            "deadline": task.deadline,
            "percent_complete": task.percent_complete,
            "actual_start": task.actual_start,
            "actual_finish": task.actual_finish,
            "fixed_cost": task.fixed_cost,
            "external_id": str(task.uid),
        }
        for task in mapped.tasks
    ]


def _load_links(mapped: mapping.Mapped) -> list:
    """The file's links between its tasks, by their index in ``_task_rows``."""
    index = {task.uid: position for position, task in enumerate(mapped.tasks)}
    return [
        scheduling_services.LoadLink(
            index[link.predecessor_uid], index[link.successor_uid], link.type, link.lag
        )
        for link in mapped.links
    ]


def _import_wbs(project: Project, by: AbstractBaseUser, mapped: mapping.Mapped) -> dict:
    """Summary tasks as work packages (appended to any WBS the project has); UID → package."""
    if not mapped.packages:
        return {}
    children: dict[int | None, list[mapping.MappedPackage]] = {}
    for package in mapped.packages:
        children.setdefault(package.parent_uid, []).append(package)

    def nodes(parent: int | None) -> list[dict]:
        return [{"name": p.name, "children": nodes(p.uid)} for p in children.get(parent, [])]

    before = set(WorkPackage.objects.filter(project=project).values_list("pk", flat=True))
    project_services.wbs_import(project=project, by=by, nodes=nodes(None))
    created = [
        package
        for package in WorkPackage.objects.filter(project=project).order_by("sort_key")
        if package.pk not in before
    ]
    # wbs_import adds the tree depth first, as the file lists it: the same order.
    preorder: list[mapping.MappedPackage] = []

    def walk(parent: int | None) -> None:
        for package in children.get(parent, []):
            preorder.append(package)
            walk(package.uid)

    walk(None)
    return {p.uid: created_package for p, created_package in zip(preorder, created, strict=True)}


def _import_resources(
    project: Project, by: AbstractBaseUser, mapped: mapping.Mapped, tasks: dict[int, Task]
) -> None:
    resources: dict[int, Resource] = {}
    taken = {name.lower() for name in project.resources.values_list("name", flat=True)}
    for item in mapped.resources:
        if item.name.lower() in taken:
            mapped.skipped.append(
                {"item": f"Resource “{item.name}”", "reason": "The project already has it."}
            )
            continue
        fields: dict[str, Any] = {"kind": item.kind}
        if item.kind == Resource.Kind.PERSON:
            fields.update(rate=item.rate, rate_unit=Resource.RateUnit.HOUR)
        else:
            fields.update(unit_cost=item.rate)
        resources[item.uid] = budget_services.resource_create(
            project=project, by=by, name=item.name, **fields
        )
    for item in mapped.assignments:
        if item.resource_uid in resources:
            budget_services.assignment_add(
                task=tasks[item.task_uid],
                resource=resources[item.resource_uid],
                by=by,
                units=item.units,
            )


# --- re-import: a newer version of the same plan ---------------------------------------------

# How many added, removed or changed tasks a preview lists by name (the counts are always whole).
DIFF_LIST_LIMIT = 200
_DIFF_FIELDS = {
    "name": "name",
    "duration": "duration (working days)",
    "constraint_date": "start no earlier than",
    "deadline": "deadline",
    "percent_complete": "% complete",
    "actual_start": "actual start",
    "actual_finish": "actual finish",
    "fixed_cost": "fixed cost",
    "work_package": "work package",
}


def _package_paths(project: Project) -> dict[tuple[str, ...], WorkPackage]:
    """The project's work packages by their path of names from the top (“Build › API”)."""
    packages = list(WorkPackage.objects.filter(project=project).order_by("sort_key"))
    by_pk = {package.pk: package for package in packages}
    paths: dict[tuple[str, ...], WorkPackage] = {}

    def path_of(package: WorkPackage) -> tuple[str, ...]:
        names = []
        node: WorkPackage | None = package
        while node is not None:
            names.append(node.name.strip().lower())
            node = by_pk.get(node.parent_id) if node.parent_id else None
        return tuple(reversed(names))

    for package in packages:
        paths.setdefault(path_of(package), package)
    return paths


def _file_paths(mapped: mapping.Mapped) -> dict[int, tuple[str, ...]]:
    """Each summary task of the file by UID → its path of names from the top."""
    by_uid = {package.uid: package for package in mapped.packages}
    paths: dict[int, tuple[str, ...]] = {}
    for package in mapped.packages:
        names = []
        node = package
        while node is not None:
            names.append(node.name.strip().lower())
            node = by_uid.get(node.parent_uid) if node.parent_uid is not None else None
        paths[package.uid] = tuple(reversed(names))
    return paths


def _reimport_packages(
    project: Project, by: AbstractBaseUser | None, mapped: mapping.Mapped
) -> tuple[dict[int, WorkPackage | None], list[str]]:
    """The work package of each summary task of the file, matched by path of names; with ``by``
    the missing ones are added (parents first), without it they map to None. Also the names of
    the packages that are (or would be) added."""
    existing = _package_paths(project)
    paths = _file_paths(mapped)
    found: dict[int, WorkPackage | None] = {}
    added: list[str] = []
    for package in mapped.packages:  # the file lists parents before their children
        path = paths[package.uid]
        match = existing.get(path)
        if match is None:
            added.append(" › ".join(p.name for p in _ancestry(mapped, package)))
            if by is not None:
                parent = found.get(package.parent_uid) if package.parent_uid is not None else None
                match = project_services.work_package_add(
                    project=project, by=by, name=package.name, parent=parent
                )
                existing[path] = match
        found[package.uid] = match
    return found, added


def _ancestry(mapped: mapping.Mapped, package: mapping.MappedPackage) -> list:
    by_uid = {p.uid: p for p in mapped.packages}
    chain = []
    node = package
    while node is not None:
        chain.append(node)
        node = by_uid.get(node.parent_uid) if node.parent_uid is not None else None
    return list(reversed(chain))


def _shown(value: Any) -> Any:
    if isinstance(value, WorkPackage):
        return f"{value.code} {value.name}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def reimport_diff(*, plan: mspdi.Plan, project: Project) -> dict[str, Any]:
    """What importing ``plan`` into ``project`` again would change, matched by the file's task
    UIDs (``external_id``): tasks added, removed and changed (each field old → new), links
    added, changed and removed, work packages added. Writes nothing."""
    mapped = _mapped(plan, project)
    packages, packages_added = _reimport_packages(project, None, mapped)
    tasks = {
        task.external_id: task
        for task in Task.objects.filter(project=project, external_id__isnull=False).select_related(
            "work_package"
        )
    }
    in_file = {str(task.uid) for task in mapped.tasks}
    added, changed = [], []
    for row in mapped.tasks:
        task = tasks.get(str(row.uid))
        if task is None:
            added.append(row.name)
            continue
        new_package = packages.get(row.package_uid) if row.package_uid is not None else None
        fields = {}
        for field, label in _DIFF_FIELDS.items():
            old = task.work_package if field == "work_package" else getattr(task, field)
            new = new_package if field == "work_package" else getattr(row, field)
            if field == "work_package":
                if row.package_uid is not None and new is None:
                    new_label = " › ".join(
                        p.name
                        for p in _ancestry(
                            mapped, next(p for p in mapped.packages if p.uid == row.package_uid)
                        )
                    )
                    fields[label] = [_shown(old), f"{new_label} (new)"]
                    continue
                if (old.pk if old else None) == (new.pk if new else None):
                    continue
            elif field == "fixed_cost":
                if Decimal(old or 0) == Decimal(new or 0):
                    continue
            elif old == new:
                continue
            fields[label] = [_shown(old), _shown(new)]
        if fields:
            changed.append({"task": task.name, "external_id": task.external_id, "fields": fields})
    removed = [task.name for external, task in tasks.items() if external not in in_file]
    uid_of = {task.pk: task.external_id for task in tasks.values()}
    current = {
        (uid_of[p], uid_of[s]): (kind, lag)
        for p, s, kind, lag in Dependency.objects.filter(
            project=project,
            predecessor__external_id__isnull=False,
            successor__external_id__isnull=False,
        ).values_list("predecessor_id", "successor_id", "type", "lag")
    }
    wanted = {
        (str(link.predecessor_uid), str(link.successor_uid)): (link.type, link.lag)
        for link in mapped.links
    }
    return {
        "tasks_added": len(added),
        "tasks_changed": len(changed),
        "tasks_removed": len(removed),
        "added": added[:DIFF_LIST_LIMIT],
        "changed": changed[:DIFF_LIST_LIMIT],
        "removed": removed[:DIFF_LIST_LIMIT],
        "links_added": sum(1 for pair in wanted if pair not in current),
        "links_changed": sum(
            1 for pair, value in wanted.items() if pair in current and current[pair] != value
        ),
        "links_removed": sum(1 for pair in current if pair not in wanted),
        "packages_added": packages_added[:DIFF_LIST_LIMIT],
        "kept": Task.objects.filter(project=project, external_id__isnull=True).count(),
        "baseline": _reimport_baseline_name(project),
    }


def _reimport_baseline_name(project: Project) -> str:
    stamp = timezone.localtime(clock.now(), project.zone).strftime("%Y-%m-%d %H:%M")
    return f"Before re-import {stamp}"


@transaction.atomic
def plan_reimport(*, plan: mspdi.Plan, by: AbstractBaseUser, project: Project) -> Project:
    """Update ``project`` from a newer version of the plan it was imported from: a baseline of
    the plan as it was, then tasks matched by the file's UIDs updated, added and removed, the
    file's links, the calendar, one recompute (``scheduling.services.plan_sync``). Tasks typed
    in Charter are kept. Resources, assignments and the file's baseline 0 are not re-read (the
    preview says so). All or nothing."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_manager(project, by, "update its plan from a file")
    if project.is_closed:
        raise PermissionDenied(f"{project.key} is closed and read-only.")
    mapped = _mapped(plan, project)
    try:
        mapping.schedule_preview(mapped)
    except engine.CycleError as error:
        raise _check_cycle(mapped, error) from None
    baseline_name = _reimport_baseline_name(project)
    if Baseline.objects.filter(project=project, name=baseline_name).exists():
        baseline_name = f"{baseline_name} ({Baseline.objects.filter(project=project).count() + 1})"
    packages, _ = _reimport_packages(project, by, mapped)
    scheduling_services.plan_sync(
        project=project,
        by=by,
        tasks=_task_rows(mapped, packages),
        links=_load_links(mapped),
        baseline_name=baseline_name,
    )
    scheduling_services.calendar_update(
        project=project,
        by=by,
        version=None,
        working_weekdays=mapped.working_weekdays,
        holidays=[day for day, _ in mapped.holidays],
    )
    project.refresh_from_db()
    return project


# --- the Import record ----------------------------------------------------------------------------


def import_create(
    *,
    by: AbstractBaseUser,
    file: UploadedFile,
    project: Project | None = None,
    name: str = "",
    key: str = "",
) -> Import:
    """Keep an upload and queue its parsing (after the commit). A target project must be one
    ``by`` manages and open; one with tasks gets a re-import (``reimport_diff``, ``plan_reimport``):
    its tasks from an earlier version of the file are updated.

    The file's format is told from its first bytes; anything but MS Project XML needs Java for
    MPXJ, and without it the upload is refused at once with what works instead."""
    if file.size is not None and file.size > mspdi.MAX_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {mspdi.MAX_BYTES // 1024 // 1024} MB."}
        )
    if project is not None:
        require_role(project, Role.MANAGER)
        if project.is_closed:
            raise PermissionDenied(f"{project.key} is closed and read-only.")
    filename = (file.name or "plan.xml").rsplit("/", 1)[-1][:255]
    data = file.read(mspdi.MAX_BYTES + 1)
    if len(data) > mspdi.MAX_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {mspdi.MAX_BYTES // 1024 // 1024} MB."}
        )
    kind = convert.file_format(data, filename)
    if kind != Import.Format.MSPDI and not convert.available():
        raise ValidationError({"file": convert.NEEDS_JAVA})
    with transaction.atomic():
        upload = Import.objects.create(
            owner=by,
            project=project,
            filename=filename,
            format=kind,
            data=data,
            name=name,
            key=key,
        )
        enqueue_on_commit("interchange.tasks.import_prepare", upload.pk)
    return upload


def import_prepare(*, import_id: int) -> Import:
    """Parse the upload and store its preview (or why it cannot be read). Safe to repeat: an
    import that is no longer pending is returned unchanged.

    A file in another format is turned into MS Project XML by MPXJ here, on the worker (a JVM
    takes seconds), and the result is stored with the upload: confirming reads it, so the
    import is the plan that was previewed. The original file is kept as it came."""
    upload = Import.objects.select_related("project").get(pk=import_id)
    if upload.status != Import.Status.PENDING:
        return upload
    try:
        if upload.format != Import.Format.MSPDI:
            upload.converted = convert.to_mspdi(bytes(upload.data), upload.filename)
        plan = _parse(upload)
        preview = plan_preview(plan=plan, project=upload.project)
        if upload.project is not None and Task.objects.filter(project=upload.project).exists():
            preview["reimport"] = reimport_diff(plan=plan, project=upload.project)
    except (mspdi.MspdiError, convert.ConvertError) as error:
        upload.status, upload.errors, upload.converted = Import.Status.FAILED, [error.message], None
    except ValidationError as error:
        upload.status, upload.errors, upload.converted = Import.Status.FAILED, error.messages, None
    else:
        upload.status, upload.preview, upload.errors = Import.Status.PREVIEW, _json(preview), []
    Import.objects.filter(pk=upload.pk, status=Import.Status.PENDING).update(
        status=upload.status,
        preview=upload.preview,
        errors=upload.errors,
        converted=upload.converted,
    )
    return upload


def _parse(upload: Import) -> mspdi.Plan:
    """The upload's plan: the file itself, or the MS Project XML MPXJ made of it (which may be
    larger than the 50 MB an upload may be; the task limit holds for both)."""
    if upload.format == Import.Format.MSPDI:
        return mspdi.parse(bytes(upload.data))
    if upload.converted is None:
        raise mspdi.MspdiError("The plan has not been read yet.")
    return mspdi.parse(bytes(upload.converted), max_bytes=convert.MAX_CONVERTED_BYTES)


@transaction.atomic
def import_confirm(*, upload: Import, by: AbstractBaseUser) -> Project:
    """Import a previewed upload: all of it or, on any error, nothing."""
    upload = Import.objects.select_for_update().get(pk=upload.pk)
    if upload.owner_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only the person who uploaded the plan can import it.")
    if upload.status == Import.Status.DONE:
        raise ValidationError("This plan has already been imported.")
    if upload.status != Import.Status.PREVIEW:
        raise ValidationError(
            "The plan has not been read yet."
            if upload.status == Import.Status.PENDING
            else "This plan could not be read: " + " ".join(upload.errors)
        )
    try:
        plan = _parse(upload)
    except mspdi.MspdiError as error:
        raise ValidationError(error.message) from None
    if upload.project is not None and "reimport" in (upload.preview or {}):
        project = plan_reimport(plan=plan, by=by, project=upload.project)
    else:
        project = plan_import(
            plan=plan, by=by, project=upload.project, name=upload.name, key=upload.key
        )
    upload.project, upload.status = project, Import.Status.DONE
    upload.save(update_fields=["project", "status", "updated_at"])
    return project


# --- export ---------------------------------------------------------------------------------------


def project_export_mspdi(*, project: Project) -> bytes:
    """The project as MS Project XML: work packages as summary tasks (outline from the WBS
    codes), tasks with links, the calendar, constraints, deadlines, progress, fixed costs,
    resources and assignments, and the performance baseline as baseline 0.

    Task UIDs: an imported task keeps its file UID where it is a number not taken by another
    row; every other row gets the next free number, so UIDs stay unique.
    """
    calendar = scheduling_services.calendar_for(project)
    holidays = tuple(calendar.holidays.order_by("date").values_list("date", "name"))
    packages = list(WorkPackage.objects.filter(project=project).order_by("sort_key"))
    tasks = list(
        Task.objects.filter(project=project).in_plan_order().select_related("work_package")
    )
    links = list(
        Dependency.objects.filter(project=project).values_list(
            "predecessor_id", "successor_id", "type", "lag"
        )
    )
    baseline = (
        Baseline.objects.filter(project=project, is_performance=True).first()
        or Baseline.objects.filter(project=project).first()
    )
    baselined = (
        {row.task_id: row for row in baseline.tasks.all() if row.task_id} if baseline else {}
    )
    taken: set[int] = set()
    uids: dict[int, int] = {}
    for task in tasks:
        if task.external_id and task.external_id.isdigit():
            uid = int(task.external_id)
            if 0 < uid < 2**31 and uid not in taken:
                uids[task.pk] = uid
                taken.add(uid)
    next_uid = max(taken, default=0) + 1

    def fresh() -> int:
        nonlocal next_uid
        while next_uid in taken:
            next_uid += 1
        taken.add(next_uid)
        return next_uid

    for task in tasks:
        if task.pk not in uids:
            uids[task.pk] = fresh()
    package_uids = {package.pk: fresh() for package in packages}

    # Rows in outline order: each package, then its own tasks, then its sub-packages.
    by_package: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_package.setdefault(task.work_package_id, []).append(task)
    rows: list[mspdi.OutTask] = []
    spans: dict[int, tuple[datetime.date, datetime.date]] = {}
    for package in reversed(packages):  # children before parents: spans roll up
        own = [(t.start_date, t.finish_date) for t in by_package.get(package.pk, [])]
        own += [spans[p.pk] for p in packages if p.parent_id == package.pk and p.pk in spans]
        own = [(s, f) for s, f in own if s and f]
        if own:
            spans[package.pk] = (min(s for s, _ in own), max(f for _, f in own))

    def task_row(task: Task, number: str, level: int) -> mspdi.OutTask:
        base = baselined.get(task.pk)
        return mspdi.OutTask(
            uid=uids[task.pk],
            name=task.name,
            outline_number=number,
            outline_level=level,
            is_summary=False,
            start=task.start_date or project.start_date,
            finish=task.finish_date or task.start_date or project.start_date,
            duration_days=task.duration,
            is_milestone=task.duration == 0,
            constraint_date=task.constraint_date,
            deadline=task.deadline,
            percent_complete=task.percent_complete,
            actual_start=task.actual_start,
            actual_finish=task.actual_finish,
            fixed_cost=task.fixed_cost,
            notes=task.description,
            is_critical=task.is_critical,
            baseline_start=base.start_date if base else None,
            baseline_finish=base.finish_date if base else None,
            baseline_duration_days=base.duration if base else None,
            baseline_cost=base.cost if base else None,
        )

    def add_level(parent: int | None, prefix: str, level: int) -> None:
        number = 0
        for task in by_package.get(parent, []) if parent is not None else []:
            number += 1
            rows.append(task_row(task, f"{prefix}{number}", level))
        for package in (p for p in packages if p.parent_id == parent):
            number += 1
            code = f"{prefix}{number}"
            start, finish = spans.get(package.pk, (project.start_date, project.start_date))
            rows.append(
                mspdi.OutTask(
                    uid=package_uids[package.pk],
                    name=package.name,
                    outline_number=code,
                    outline_level=level,
                    is_summary=True,
                    start=start,
                    finish=finish,
                    duration_days=0,
                    notes=package.description,
                )
            )
            add_level(package.pk, f"{code}.", level + 1)

    for number, task in enumerate(by_package.get(None, []), start=1):
        rows.append(task_row(task, str(number), 1))
    top = len(by_package.get(None, []))
    # Top-level packages follow the tasks outside the WBS.
    for offset, package in enumerate((p for p in packages if p.parent_id is None), start=1):
        code = str(top + offset)
        start, finish = spans.get(package.pk, (project.start_date, project.start_date))
        rows.append(
            mspdi.OutTask(
                uid=package_uids[package.pk],
                name=package.name,
                outline_number=code,
                outline_level=1,
                is_summary=True,
                start=start,
                finish=finish,
                duration_days=0,
                notes=package.description,
            )
        )
        add_level(package.pk, f"{code}.", 2)

    resources = list(Resource.objects.filter(project=project).order_by("name"))
    resource_uids = {resource.pk: uid for uid, resource in enumerate(resources, start=1)}
    assignments = []
    task_by_pk = {task.pk: task for task in tasks}
    for uid, assignment in enumerate(
        project.assignments.order_by("task_id", "resource_id"), start=1
    ):
        task = task_by_pk[assignment.task_id]
        assignments.append(
            mspdi.OutAssignment(
                uid=uid,
                task_uid=uids[task.pk],
                resource_uid=resource_uids[assignment.resource_id],
                units=Decimal(assignment.units) / 100,
                work_hours=assignment.planned_hours,
                start=task.start_date or project.start_date,
                finish=task.finish_date or project.start_date,
            )
        )
    finishes = [t.finish_date for t in tasks if t.finish_date]
    plan = mspdi.OutPlan(
        name=project.name,
        start=project.start_date,
        finish=max(finishes, default=project.start_date),
        currency=project.currency,
        working_weekdays=frozenset(calendar.working_weekdays or [1, 2, 3, 4, 5]),
        holidays=holidays,
        tasks=tuple(rows),
        # A link from another project's task has no row in this file: it is left out.
        links=tuple(
            mspdi.OutLink(uids[p], uids[s], kind, lag)
            for p, s, kind, lag in links
            if p in uids and s in uids
        ),
        resources=tuple(
            mspdi.Resource(
                uid=resource_uids[r.pk],
                name=r.name,
                kind="work" if r.is_person else "material",
                standard_rate=_hourly(r),
            )
            for r in resources
        ),
        assignments=tuple(assignments),
        created=project.created_at,
    )
    return mspdi.write(plan)


def _hourly(resource: Resource) -> Decimal:
    if not resource.is_person:
        return resource.unit_cost
    if resource.rate_unit == Resource.RateUnit.DAY and resource.capacity_hours:
        return (resource.rate / resource.capacity_hours).quantize(Decimal("0.01"))
    return resource.rate


# --- calendar feeds ---------------------------------------------------------------------------

# A fetch records when the feed was last used at most this often: calendar programs poll every
# few minutes to hours, and a write per poll would say nothing more.
FEED_USED_RESOLUTION = datetime.timedelta(hours=1)


@transaction.atomic
def calendar_feed_create(*, user: AbstractBaseUser) -> tuple[CalendarFeed, str]:
    """Give ``user`` a calendar feed with a new secret, revoking the one they had (a reset).

    Returns the feed and its secret: only the secret's digest is stored, so this is the one
    moment the address can be shown."""
    # Two "create" clicks at once queue on the user's row instead of one failing on the
    # one-active-feed constraint.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    CalendarFeed.objects.active().filter(user=user).update(revoked_at=timezone.now())
    token = CalendarFeed.new_token()
    feed = CalendarFeed.objects.create(user=user, token_hash=CalendarFeed.digest(token))
    return feed, token


def calendar_feed_revoke(*, user: AbstractBaseUser) -> bool:
    """Stop ``user``'s calendar feed: its address answers 404 from now on. False when they had
    none."""
    return bool(CalendarFeed.objects.active().filter(user=user).update(revoked_at=timezone.now()))


def calendar_feed_used(*, feed: CalendarFeed) -> None:
    """Note that a calendar program fetched ``feed`` (at most one write per hour)."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= FEED_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
