"""MS Project XML (MSPDI): read a file into frozen dataclasses, write a plan back.

Pure: no Django. The reader uses ``defusedxml`` (entity expansion, external entities and DTDs
refused: an "XML bomb" is a :class:`MspdiError`, not a hung worker); the writer uses the standard
library, in the element order of Microsoft's schema (``mspdi_pj12.xsd``), so MS Project opens the
file.

Units as MSPDI stores them: durations are ``PT<h>H<m>M<s>S`` of *working* time; a link's
``LinkLag`` is tenths of a minute (of working time, or of elapsed time for the elapsed
``LagFormat``s); ``MinutesPerDay`` says how long a working day is, which turns both into Charter's
whole working days. Link ``Type``: 0 FF, 1 FS, 2 SF, 3 SS. Weekday ``DayType``: 1 Sunday … 7
Saturday (0: an exception, in files before MS Project 2007).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET  # writing only; reading goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

NS = "http://schemas.microsoft.com/project"
MAX_BYTES = 50 * 1024 * 1024
MAX_TASKS = 20_000

LINK_TYPES = {0: "FF", 1: "FS", 2: "SF", 3: "SS"}
LINK_CODES = {name: code for code, name in LINK_TYPES.items()}
# LagFormat (a DurationFormat): the elapsed ones count calendar time (24 h days, 7-day weeks);
# the percentage ones a share of the predecessor's duration.
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 36, 38, 40, 42, 44})
PERCENT_FORMATS = frozenset({19, 20, 51, 52})
# ConstraintType.
CONSTRAINTS = {
    0: "As soon as possible",
    1: "As late as possible",
    2: "Must start on",
    3: "Must finish on",
    4: "Start no earlier than",
    5: "Start no later than",
    6: "Finish no earlier than",
    7: "Finish no later than",
}
ASAP, MSO, SNET, FNLT = 0, 2, 4, 7
# DayType 1 (Sunday) … 7 (Saturday) -> ISO weekday.
_ISO_WEEKDAY = {1: 7, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6}
_DAY_TYPE = {iso: day_type for day_type, iso in _ISO_WEEKDAY.items()}
UNASSIGNED_RESOURCE = -65535
# An exception longer than this (ten years) is a typing slip, not a closure.
MAX_EXCEPTION_DAYS = 3660


class MspdiError(ValueError):
    """A file that is not a plan Charter can read; ``message`` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CalendarException:
    """Days from ``start`` to ``finish`` (inclusive) worked or not, as an exception."""

    start: datetime.date
    finish: datetime.date
    working: bool
    name: str = ""
    recurring: bool = False


@dataclass(frozen=True)
class Calendar:
    uid: int
    name: str
    base_uid: int | None
    # ISO weekdays worked; None where the file leaves the week to the base calendar.
    working_weekdays: frozenset[int] | None
    exceptions: tuple[CalendarException, ...] = ()


@dataclass(frozen=True)
class Baseline:
    start: datetime.datetime | None
    finish: datetime.datetime | None
    duration_minutes: float
    duration_days: int
    cost: Decimal


@dataclass(frozen=True)
class Link:
    predecessor_uid: int
    successor_uid: int
    type: str  # FS, SS, FF, SF
    lag_minutes: float  # as stored (working or, when elapsed, calendar minutes)
    lag_format: int
    lag_days: int  # whole working days (elapsed converted)
    elapsed: bool = False
    percent: bool = False
    rounded: bool = False


@dataclass(frozen=True)
class Task:
    uid: int
    id: int
    name: str
    outline_level: int
    outline_number: str
    is_summary: bool
    is_milestone: bool
    is_manual: bool
    duration_minutes: float
    duration_days: int
    duration_rounded: bool
    start: datetime.datetime | None
    finish: datetime.datetime | None
    constraint_type: int = ASAP
    constraint_date: datetime.datetime | None = None
    deadline: datetime.datetime | None = None
    percent_complete: int = 0
    actual_start: datetime.datetime | None = None
    actual_finish: datetime.datetime | None = None
    fixed_cost: Decimal = Decimal("0")
    notes: str = ""
    calendar_uid: int | None = None
    baseline: Baseline | None = None
    # MS Project 2010+: an inactive task stays in the plan but does not take part in it.
    active: bool = True


@dataclass(frozen=True)
class Resource:
    uid: int
    name: str
    kind: str  # work, material, cost
    standard_rate: Decimal  # per hour


@dataclass(frozen=True)
class Assignment:
    task_uid: int
    resource_uid: int
    units: Decimal  # 1 = 100 %


@dataclass(frozen=True)
class Plan:
    """What an MSPDI file says, in the file's own terms (UIDs, minutes) plus working days."""

    name: str
    title: str
    start: datetime.datetime | None
    finish: datetime.datetime | None
    schedule_from_start: bool
    minutes_per_day: int
    minutes_per_week: int
    calendar_uid: int | None
    currency_code: str
    default_start_time: datetime.time
    default_finish_time: datetime.time
    calendars: tuple[Calendar, ...] = ()
    tasks: tuple[Task, ...] = ()
    links: tuple[Link, ...] = ()
    resources: tuple[Resource, ...] = ()
    assignments: tuple[Assignment, ...] = ()

    @functools.cached_property
    def dates_only(self) -> bool:
        """Whether every dated task starts and finishes at midnight: a file that carries days
        without times (MPX, as MPXJ writes it), whose finish means the end of that day."""
        moments = [m for t in self.tasks for m in (t.start, t.finish) if m is not None]
        return bool(moments) and all(m.time() == datetime.time() for m in moments)

    @property
    def calendar(self) -> Calendar | None:
        """The project calendar."""
        return next((c for c in self.calendars if c.uid == self.calendar_uid), None)

    def working_weekdays(self, calendar: Calendar | None = None) -> frozenset[int]:
        """ISO weekdays worked by ``calendar`` (the project's by default), following base
        calendars; Monday to Friday when the file says nothing."""
        calendar = calendar or self.calendar
        seen: set[int] = set()
        while calendar is not None and calendar.uid not in seen:
            if calendar.working_weekdays is not None:
                return calendar.working_weekdays
            seen.add(calendar.uid)
            calendar = next((c for c in self.calendars if c.uid == calendar.base_uid), None)
        return frozenset({1, 2, 3, 4, 5})


# --- reading --------------------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str | None) -> float:
    """Minutes of an ``xsd:duration`` (``PT16H30M0S``); days count 24 hours."""
    if not text:
        return 0.0
    match = _DURATION.match(text.strip())
    if match is None:
        raise MspdiError(f"“{text}” is not a duration (expected e.g. PT8H0M0S).")
    sign, years, months, days, hours, minutes, seconds = match.groups()
    if years or months:
        raise MspdiError(f"“{text}” counts years or months, which have no fixed length.")
    total = (
        float(days or 0) * 1440
        + float(hours or 0) * 60
        + float(minutes or 0)
        + float(seconds or 0) / 60
    )
    return -total if sign else total


def _round_days(minutes: float, minutes_per_day: int) -> tuple[int, bool]:
    """Whole working days (half up) and whether that rounded."""
    days = minutes / minutes_per_day
    whole = math.floor(abs(days) + 0.5) * (1 if days >= 0 else -1)
    return int(whole), not math.isclose(days, whole, abs_tol=1e-6)


def _datetime(text: str | None, what: str) -> datetime.datetime | None:
    if not text or not text.strip():
        return None
    try:
        return datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise MspdiError(f"{what}: “{text}” is not a date and time.") from None


def _time(text: str | None, default: datetime.time) -> datetime.time:
    if not text:
        return default
    try:
        return datetime.time.fromisoformat(text.strip())
    except ValueError:
        return default


def _int(text: str | None, what: str, default: int | None = None) -> int | None:
    if text is None or not text.strip():
        return default
    try:
        return int(text.strip())
    except ValueError:
        try:
            return int(float(text.strip()))
        except ValueError:
            raise MspdiError(f"{what}: “{text}” is not a number.") from None


def _decimal(text: str | None, what: str) -> Decimal:
    if text is None or not text.strip():
        return Decimal("0")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise MspdiError(f"{what}: “{text}” is not a number.") from None
    if not value.is_finite():
        raise MspdiError(f"{what}: “{text}” is not a number.")
    return value


def _currency(text: str | None, what: str) -> Decimal:
    """Money as MSPDI stores it, in hundredths (MS Project's own files and MPXJ agree); rates
    are the exception, per hour as they are."""
    return (_decimal(text, what) / 100).quantize(Decimal("0.01"))


def _flag(text: str | None) -> bool:
    return (text or "").strip() in {"1", "true"}


class _Element:
    """Namespaced look-ups on one element."""

    def __init__(self, element: ET.Element) -> None:
        self.element = element

    def text(self, name: str) -> str | None:
        child = self.element.find(f"{{{NS}}}{name}")
        return None if child is None else (child.text or "")

    def all(self, path: str) -> list[_Element]:
        steps = "/".join(f"{{{NS}}}{step}" for step in path.split("/"))
        return [_Element(child) for child in self.element.findall(steps)]


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> Plan:
    """Read an MSPDI file; raise :class:`MspdiError` with a reason a person can act on.
    ``max_bytes``: larger for the MSPDI that MPXJ wrote from a smaller binary plan."""
    if len(data) > max_bytes:
        raise MspdiError(
            f"The file is {len(data) / 1024 / 1024:.0f} MB; plans up to "
            f"{max_bytes // 1024 // 1024} MB can be imported."
        )
    try:
        root = safe_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise MspdiError(
            "The file declares a document type or entities, which MS Project never writes; "
            "it is refused for safety (an “XML bomb” or an external entity)."
        ) from None
    except ET.ParseError as error:
        raise MspdiError(
            f"This is not an XML file, or it is damaged ({error}). Save the plan from MS Project "
            "as “XML Format (*.xml)”."
        ) from None
    if root.tag != f"{{{NS}}}Project":
        found = root.tag.split("}")[-1]
        namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else "none"
        raise MspdiError(
            f"This XML file is not an MS Project plan: its root is <{found}> in namespace "
            f"“{namespace}”, not <Project> in “{NS}”."
        )
    project = _Element(root)
    minutes_per_day = _int(project.text("MinutesPerDay"), "MinutesPerDay", 480) or 480
    if not 1 <= minutes_per_day <= 1440:
        raise MspdiError(f"MinutesPerDay is {minutes_per_day}; a day has 1 to 1440 minutes.")
    minutes_per_week = _int(project.text("MinutesPerWeek"), "MinutesPerWeek", 2400) or 2400
    calendars = tuple(_calendar(c) for c in project.all("Calendars/Calendar"))
    task_elements = project.all("Tasks/Task")
    if len(task_elements) > MAX_TASKS:
        raise MspdiError(
            f"The plan has {len(task_elements):,} tasks; up to {MAX_TASKS:,} can be imported."
        )
    plan = Plan(
        name=(project.text("Name") or "").strip(),
        title=(project.text("Title") or "").strip(),
        start=_datetime(project.text("StartDate"), "StartDate"),
        finish=_datetime(project.text("FinishDate"), "FinishDate"),
        schedule_from_start=project.text("ScheduleFromStart") != "0",
        minutes_per_day=minutes_per_day,
        minutes_per_week=minutes_per_week,
        calendar_uid=_int(project.text("CalendarUID"), "CalendarUID"),
        currency_code=(project.text("CurrencyCode") or "").strip().upper(),
        default_start_time=_time(project.text("DefaultStartTime"), datetime.time(8)),
        default_finish_time=_time(project.text("DefaultFinishTime"), datetime.time(17)),
        calendars=calendars,
    )
    weekdays_worked = len(plan.working_weekdays())
    tasks: list[Task] = []
    links: list[Link] = []
    seen: dict[int, Task] = {}
    for element in task_elements:
        if _flag(element.text("IsNull")):
            continue  # a blank row of the task sheet
        task = _task(element, minutes_per_day)
        if task.uid in seen:
            raise MspdiError(
                f"Two tasks have the unique ID {task.uid} (“{seen[task.uid].name}” and "
                f"“{task.name}”); the file is damaged."
            )
        seen[task.uid] = task
        tasks.append(task)
        for link in element.all("PredecessorLink"):
            links.append(_link(link, task, minutes_per_day, weekdays_worked))
    for link in links:
        if link.predecessor_uid not in seen:
            raise MspdiError(
                f"“{seen[link.successor_uid].name}” (unique ID {link.successor_uid}) follows a "
                f"task with unique ID {link.predecessor_uid}, which the file does not have."
            )
        if link.predecessor_uid == link.successor_uid:
            raise MspdiError(f"“{seen[link.successor_uid].name}” is linked to itself.")
    _check_cycles(links, seen)
    resources = tuple(_resource(r) for r in project.all("Resources/Resource"))
    assignments = tuple(_assignment(a) for a in project.all("Assignments/Assignment"))
    return dataclasses.replace(
        plan,
        tasks=tuple(tasks),
        links=tuple(links),
        resources=resources,
        assignments=assignments,
    )


def _calendar(element: _Element) -> Calendar:
    uid = _int(element.text("UID"), "Calendar UID")
    weekdays: set[int] = set()
    described = False
    exceptions: list[CalendarException] = []
    for day in element.all("WeekDays/WeekDay"):
        day_type = _int(day.text("DayType"), "DayType", -1)
        working = _flag(day.text("DayWorking"))
        if day_type == 0:  # an exception, as files before MS Project 2007 write them
            periods = day.all("TimePeriod")
            if periods:
                start = _datetime(periods[0].text("FromDate"), "Exception start")
                finish = _datetime(periods[0].text("ToDate"), "Exception finish")
                if start and finish:
                    exceptions.append(CalendarException(start.date(), finish.date(), working))
            continue
        if day_type in _ISO_WEEKDAY:
            described = True
            if working:
                weekdays.add(_ISO_WEEKDAY[day_type])
    for item in element.all("Exceptions/Exception"):
        periods = item.all("TimePeriod")
        if not periods:
            continue
        start = _datetime(periods[0].text("FromDate"), "Exception start")
        finish = _datetime(periods[0].text("ToDate"), "Exception finish")
        if start is None or finish is None:
            continue
        kind = _int(item.text("Type"), "Exception type", 1)
        period = _int(item.text("Period"), "Exception period", 1)
        exceptions.append(
            CalendarException(
                start.date(),
                finish.date(),
                _flag(item.text("DayWorking")),
                (item.text("Name") or "").strip(),
                recurring=kind != 1 or (period or 1) > 1,
            )
        )
    base = _int(element.text("BaseCalendarUID"), "BaseCalendarUID")
    # A base calendar stands alone (MS Project writes -1 or 0 as its base); a derived one,
    # such as a resource's, takes what it leaves out from its base.
    is_base = element.text("IsBaseCalendar") != "0"
    return Calendar(
        uid=uid if uid is not None else -1,
        name=(element.text("Name") or "").strip(),
        base_uid=None if is_base or base in (None, -1) else base,
        working_weekdays=frozenset(weekdays) if described and weekdays else None,
        exceptions=tuple(exceptions),
    )


def _task(element: _Element, minutes_per_day: int) -> Task:
    uid = _int(element.text("UID"), "Task UID")
    if uid is None:
        raise MspdiError("A task has no unique ID (UID); the file is damaged.")
    name = (element.text("Name") or "").strip()
    what = f"Task {uid} “{name}”"
    minutes = parse_duration(element.text("Duration"))
    days, rounded = _round_days(max(minutes, 0), minutes_per_day)
    is_milestone = _flag(element.text("Milestone"))
    if minutes > 0 and days == 0:
        days, rounded = 1, True
    baseline = None
    for item in element.all("Baseline"):
        if _int(item.text("Number"), "Baseline number", 0) == 0:
            base_minutes = parse_duration(item.text("Duration"))
            base_days, _ = _round_days(max(base_minutes, 0), minutes_per_day)
            baseline = Baseline(
                start=_datetime(item.text("Start"), f"{what} baseline start"),
                finish=_datetime(item.text("Finish"), f"{what} baseline finish"),
                duration_minutes=base_minutes,
                duration_days=base_days,
                cost=_currency(item.text("Cost"), f"{what} baseline cost"),
            )
    calendar_uid = _int(element.text("CalendarUID"), f"{what} calendar")
    percent = _int(element.text("PercentComplete"), f"{what} % complete", 0) or 0
    return Task(
        uid=uid,
        id=_int(element.text("ID"), f"{what} ID", 0) or 0,
        name=name,
        outline_level=_int(element.text("OutlineLevel"), f"{what} outline level", 1) or 0,
        outline_number=(element.text("OutlineNumber") or "").strip(),
        is_summary=_flag(element.text("Summary")),
        is_milestone=is_milestone,
        is_manual=_flag(element.text("Manual")),
        duration_minutes=minutes,
        duration_days=days,
        duration_rounded=rounded,
        start=_datetime(element.text("Start"), f"{what} start"),
        finish=_datetime(element.text("Finish"), f"{what} finish"),
        constraint_type=_int(element.text("ConstraintType"), f"{what} constraint", 0) or 0,
        constraint_date=_datetime(element.text("ConstraintDate"), f"{what} constraint date"),
        deadline=_datetime(element.text("Deadline"), f"{what} deadline"),
        percent_complete=min(max(percent, 0), 100),
        actual_start=_datetime(element.text("ActualStart"), f"{what} actual start"),
        actual_finish=_datetime(element.text("ActualFinish"), f"{what} actual finish"),
        fixed_cost=_currency(element.text("FixedCost"), f"{what} fixed cost"),
        notes=(element.text("Notes") or "").strip(),
        calendar_uid=None if calendar_uid in (None, -1) else calendar_uid,
        baseline=baseline,
        active=element.text("Active") != "0",
    )


def _link(element: _Element, successor: Task, minutes_per_day: int, weekdays: int) -> Link:
    what = f"A link into “{successor.name}”"
    predecessor = _int(element.text("PredecessorUID"), f"{what}: predecessor")
    if predecessor is None:
        raise MspdiError(f"{what} names no predecessor; the file is damaged.")
    code = _int(element.text("Type"), f"{what}: type", 1)
    if code not in LINK_TYPES:
        raise MspdiError(f"{what} has link type {code}; MS Project's are 0 to 3.")
    lag_format = _int(element.text("LagFormat"), f"{what}: lag format", 7) or 7
    minutes = (_int(element.text("LinkLag"), f"{what}: lag", 0) or 0) / 10
    elapsed = lag_format in ELAPSED_FORMATS
    percent = lag_format in PERCENT_FORMATS
    if percent:
        days, rounded = 0, False
    elif elapsed:
        # Calendar time: 24-hour days, of which ``weekdays`` in 7 are worked.
        calendar_days = minutes / 1440
        exact = calendar_days * weekdays / 7
        days = int(math.floor(abs(exact) + 0.5) * (1 if exact >= 0 else -1))
        rounded = True
    else:
        days, rounded = _round_days(minutes, minutes_per_day)
    return Link(
        predecessor_uid=predecessor,
        successor_uid=successor.uid,
        type=LINK_TYPES[code],
        lag_minutes=minutes,
        lag_format=lag_format,
        lag_days=days,
        elapsed=elapsed,
        percent=percent,
        rounded=rounded,
    )


def _resource(element: _Element) -> Resource:
    kind = {0: "material", 1: "work", 2: "cost"}.get(
        _int(element.text("Type"), "Resource type", 1) or 0, "work"
    )
    return Resource(
        uid=_int(element.text("UID"), "Resource UID", 0) or 0,
        name=(element.text("Name") or "").strip(),
        kind=kind,
        standard_rate=_decimal(element.text("StandardRate"), "Resource rate"),
    )


def _assignment(element: _Element) -> Assignment:
    return Assignment(
        task_uid=_int(element.text("TaskUID"), "Assignment task", 0) or 0,
        resource_uid=_int(element.text("ResourceUID"), "Assignment resource", 0) or 0,
        units=_decimal(element.text("Units") or "1", "Assignment units"),
    )


def _check_cycles(links: Sequence[Link], tasks: dict[int, Task]) -> None:
    """Refuse a loop of links, naming its tasks (iterative: a 20,000-task chain is fine)."""
    successors: dict[int, list[int]] = {}
    for link in links:
        successors.setdefault(link.predecessor_uid, []).append(link.successor_uid)
    state: dict[int, int] = {}  # 1 on the path, 2 done
    for root in successors:
        if state.get(root):
            continue
        path = [root]
        stack = [iter(successors.get(root, ()))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                loop = path[path.index(nxt) :] + [nxt]
                chain = " → ".join(f"“{tasks[uid].name}”" for uid in loop)
                raise MspdiError(f"The links make a loop: {chain}.")
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(successors.get(nxt, ())))


# --- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutTask:
    """One row of the task sheet to write: a summary (a work package) or a task."""

    uid: int
    name: str
    outline_number: str
    outline_level: int
    is_summary: bool
    start: datetime.date
    finish: datetime.date
    duration_days: int
    is_milestone: bool = False
    constraint_date: datetime.date | None = None
    deadline: datetime.date | None = None
    percent_complete: int = 0
    actual_start: datetime.date | None = None
    actual_finish: datetime.date | None = None
    fixed_cost: Decimal = Decimal("0")
    notes: str = ""
    is_critical: bool = False
    total_float_days: int | None = None
    baseline_start: datetime.date | None = None
    baseline_finish: datetime.date | None = None
    baseline_duration_days: int | None = None
    baseline_cost: Decimal | None = None


@dataclass(frozen=True)
class OutLink:
    predecessor_uid: int
    successor_uid: int
    type: str
    lag_days: int


@dataclass(frozen=True)
class OutAssignment:
    uid: int
    task_uid: int
    resource_uid: int
    units: Decimal  # 1 = 100 %
    work_hours: Decimal
    start: datetime.date
    finish: datetime.date


@dataclass(frozen=True)
class OutPlan:
    name: str
    start: datetime.date
    finish: datetime.date
    currency: str
    working_weekdays: frozenset[int]
    holidays: tuple[tuple[datetime.date, str], ...]
    tasks: tuple[OutTask, ...]
    links: tuple[OutLink, ...]
    resources: tuple[Resource, ...] = ()  # a resource reads and writes alike
    assignments: tuple[OutAssignment, ...] = ()
    created: datetime.datetime | None = None
    hours_per_day: int = 8
    extra: dict[str, str] = field(default_factory=dict)


_DAY_START = datetime.time(8)
_DAY_FINISH = datetime.time(17)
_WORKING_TIMES = ((datetime.time(8), datetime.time(12)), (datetime.time(13), datetime.time(17)))


def _stamp(day: datetime.date, at: datetime.time) -> str:
    return datetime.datetime.combine(day, at).isoformat(timespec="seconds")


def _hours(days: float, hours_per_day: int = 8) -> str:
    minutes = round(days * hours_per_day * 60)
    return f"PT{minutes // 60}H{minutes % 60}M0S"


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _cents(value: Decimal) -> str:
    """Money in MSPDI's hundredths."""
    return format((value * 100).quantize(Decimal("1")), "f")


def write(plan: OutPlan) -> bytes:
    """The plan as an MSPDI document (UTF-8), elements in the schema's order."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}Project")

    def add(parent: ET.Element, name: str, value: object | None = None) -> ET.Element:
        child = ET.SubElement(parent, f"{{{NS}}}{name}")
        if value is not None:
            child.text = value if isinstance(value, str) else str(value)
        return child

    created = plan.created or datetime.datetime.combine(plan.start, _DAY_START)
    add(root, "SaveVersion", 14)
    add(root, "Name", f"{plan.name}.xml")
    add(root, "Title", plan.name)
    add(root, "CreationDate", created.replace(tzinfo=None).isoformat(timespec="seconds"))
    add(root, "ScheduleFromStart", 1)
    add(root, "StartDate", _stamp(plan.start, _DAY_START))
    add(root, "FinishDate", _stamp(plan.finish, _DAY_FINISH))
    add(root, "CurrencyCode", plan.currency)
    add(root, "CalendarUID", 1)
    add(root, "DefaultStartTime", "08:00:00")
    add(root, "DefaultFinishTime", "17:00:00")
    add(root, "MinutesPerDay", 480)
    add(root, "MinutesPerWeek", 480 * len(plan.working_weekdays))
    add(root, "DaysPerMonth", 20)
    add(root, "DurationFormat", 7)  # days
    add(root, "HonorConstraints", 0)
    add(root, "NewTasksAreManual", 0)

    calendars = add(root, "Calendars")
    calendar = add(calendars, "Calendar")
    add(calendar, "UID", 1)
    add(calendar, "Name", "Standard")
    add(calendar, "IsBaseCalendar", 1)
    add(calendar, "IsBaselineCalendar", 0)
    add(calendar, "BaseCalendarUID", -1)
    weekdays = add(calendar, "WeekDays")
    for day_type in range(1, 8):
        weekday = add(weekdays, "WeekDay")
        add(weekday, "DayType", day_type)
        working = _ISO_WEEKDAY[day_type] in plan.working_weekdays
        add(weekday, "DayWorking", int(working))
        if working:
            times = add(weekday, "WorkingTimes")
            for start, finish in _WORKING_TIMES:
                time = add(times, "WorkingTime")
                add(time, "FromTime", start.isoformat())
                add(time, "ToTime", finish.isoformat())
    if plan.holidays:
        exceptions = add(calendar, "Exceptions")
        for day, name in plan.holidays:
            exception = add(exceptions, "Exception")
            add(exception, "EnteredByOccurrences", 0)
            period = add(exception, "TimePeriod")
            add(period, "FromDate", _stamp(day, datetime.time(0)))
            add(period, "ToDate", _stamp(day, datetime.time(23, 59)))
            add(exception, "Occurrences", 1)
            add(exception, "Name", name or "Holiday")
            add(exception, "Type", 1)
            add(exception, "DayWorking", 0)

    tasks = add(root, "Tasks")
    incoming: dict[int, list[OutLink]] = {}
    for link in plan.links:
        incoming.setdefault(link.successor_uid, []).append(link)
    summary = OutTask(
        uid=0,
        name=plan.name,
        outline_number="0",
        outline_level=0,
        is_summary=True,
        start=plan.start,
        finish=plan.finish,
        duration_days=0,
    )
    for row, task in enumerate((summary, *plan.tasks)):
        _write_task(add, tasks, task, row, incoming.get(task.uid, ()))

    resources = add(root, "Resources")
    for row, resource in enumerate(plan.resources, start=1):
        element = add(resources, "Resource")
        add(element, "UID", resource.uid)
        add(element, "ID", row)
        add(element, "Name", resource.name)
        add(element, "Type", {"material": 0, "work": 1, "cost": 2}[resource.kind])
        add(element, "IsNull", 0)
        add(element, "MaxUnits", "1.00")
        add(element, "StandardRate", _money(resource.standard_rate))
        add(element, "StandardRateFormat", 2)  # per hour
    assignments = add(root, "Assignments")
    for item in plan.assignments:
        element = add(assignments, "Assignment")
        add(element, "UID", item.uid)
        add(element, "TaskUID", item.task_uid)
        add(element, "ResourceUID", item.resource_uid)
        add(element, "Finish", _stamp(item.finish, _DAY_FINISH))
        add(element, "Start", _stamp(item.start, _DAY_START))
        add(element, "Units", format(item.units.normalize(), "f"))
        add(element, "Work", _hours(float(item.work_hours) / 8))
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _write_task(add, parent: ET.Element, task: OutTask, row: int, links: Iterable[OutLink]) -> None:
    element = add(parent, "Task")
    add(element, "UID", task.uid)
    add(element, "ID", row)
    add(element, "Name", task.name)
    add(element, "Active", 1)
    add(element, "Manual", 0)
    add(element, "Type", 1 if task.is_summary else 0)
    add(element, "IsNull", 0)
    add(element, "WBS", task.outline_number)
    add(element, "OutlineNumber", task.outline_number)
    add(element, "OutlineLevel", task.outline_level)
    add(element, "Priority", 500)
    start_at = _DAY_START
    # A milestone sits at the start of its day (Charter shows it on the day at ES).
    finish_at = _DAY_START if task.is_milestone else _DAY_FINISH
    add(element, "Start", _stamp(task.start, start_at))
    add(element, "Finish", _stamp(task.finish, finish_at))
    add(element, "Duration", _hours(task.duration_days))
    add(element, "DurationFormat", 7)
    add(element, "Estimated", 0)
    add(element, "Milestone", int(task.is_milestone))
    add(element, "Summary", int(task.is_summary))
    add(element, "Critical", int(task.is_critical))
    if task.total_float_days is not None:
        add(element, "TotalSlack", task.total_float_days * 4800)
    add(element, "FixedCost", _cents(task.fixed_cost))
    add(element, "FixedCostAccrual", 3)
    add(element, "PercentComplete", task.percent_complete)
    if task.actual_start:
        add(element, "ActualStart", _stamp(task.actual_start, _DAY_START))
    if task.actual_finish:
        add(element, "ActualFinish", _stamp(task.actual_finish, _DAY_FINISH))
    if task.constraint_date:
        add(element, "ConstraintType", SNET)
        add(element, "CalendarUID", -1)
        add(element, "ConstraintDate", _stamp(task.constraint_date, _DAY_START))
    else:
        add(element, "ConstraintType", ASAP)
        add(element, "CalendarUID", -1)
    if task.deadline:
        add(element, "Deadline", _stamp(task.deadline, _DAY_FINISH))
    if task.notes:
        add(element, "Notes", task.notes)
    for link in links:
        item = add(element, "PredecessorLink")
        add(item, "PredecessorUID", link.predecessor_uid)
        add(item, "Type", LINK_CODES[link.type])
        add(item, "CrossProject", 0)
        add(item, "LinkLag", link.lag_days * 4800)  # tenths of a minute of an 8-hour day
        add(item, "LagFormat", 7)
    if task.baseline_start is not None:
        baseline = add(element, "Baseline")
        add(baseline, "Number", 0)
        add(baseline, "Start", _stamp(task.baseline_start, _DAY_START))
        add(baseline, "Finish", _stamp(task.baseline_finish or task.baseline_start, _DAY_FINISH))
        add(baseline, "Duration", _hours(task.baseline_duration_days or 0))
        add(baseline, "DurationFormat", 7)
        add(baseline, "Cost", _cents(task.baseline_cost or Decimal("0")))
