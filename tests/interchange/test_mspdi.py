"""The MS Project XML reader and writer, alone (no database)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from interchange import mapping, mspdi

DATA = Path(__file__).parent / "data"
CORPUS = sorted(DATA.glob("*-project2016-mspdi.xml"))
TODAY = datetime.date(2026, 12, 7)


def _plan(body: str, head: str = "") -> bytes:
    return (
        '<?xml version="1.0"?><Project xmlns="http://schemas.microsoft.com/project">'
        f"<MinutesPerDay>480</MinutesPerDay><StartDate>2026-03-02T08:00:00</StartDate>{head}"
        f"<Tasks>{body}</Tasks></Project>"
    ).encode()


def _task(uid: int, name: str, links: str = "", extra: str = "") -> str:
    return (
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><OutlineLevel>1</OutlineLevel>"
        f"<Duration>PT8H0M0S</Duration>{extra}{links}</Task>"
    )


def _link(predecessor: int, kind: int = 1, lag: int = 0, lag_format: int = 7) -> str:
    return (
        f"<PredecessorLink><PredecessorUID>{predecessor}</PredecessorUID><Type>{kind}</Type>"
        f"<LinkLag>{lag}</LinkLag><LagFormat>{lag_format}</LagFormat></PredecessorLink>"
    )


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_parse_reads_every_file_ms_project_saved(path):
    """Each MSPDI file MS Project 2016 saved parses: calendar Monday–Friday, 8-hour days."""
    plan = mspdi.parse(path.read_bytes())
    assert plan.minutes_per_day == 480
    assert plan.working_weekdays() == frozenset({1, 2, 3, 4, 5})
    assert (plan.start.date(), plan.start.hour) == (datetime.date(2016, 2, 8), 8)
    assert plan.tasks[0].uid == 0 and plan.tasks[0].outline_level == 0


def test_parse_links_have_ms_project_types_and_lags_in_working_days():
    """Type 0 FF, 1 FS, 2 SF, 3 SS; LinkLag in tenths of a minute becomes working days."""
    plan = mspdi.parse((DATA / "task-links-project2016-mspdi.xml").read_bytes())
    got = [
        (link.predecessor_uid, link.successor_uid, link.type, link.lag_days) for link in plan.links
    ]
    assert got == [
        (1, 2, "FS", 0),
        (3, 4, "FS", 1),
        (5, 6, "FS", 2),
        (7, 8, "FS", 5),
        (9, 10, "FS", 10),
        (11, 12, "SF", 2),
        (13, 14, "SS", 2),
        (15, 16, "FF", 2),
    ]


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_preview_dates_match_the_dates_ms_project_stored(path):
    """Charter's engine, run over each file, gives every task the start and finish MS Project
    stored in it: no difference to explain."""
    plan = mspdi.parse(path.read_bytes())
    preview = mapping.schedule_preview(mapping.map_plan(plan, today=TODAY))
    assert preview["differences"] == []
    if preview["tasks"]:
        assert preview["computed_finish"] == preview["file_finish"]


def test_parse_durations_in_working_hours_become_working_days():
    """PT12H on an 8-hour day is 1.5 days, rounded to 2 and reported as rounded."""
    plan = mspdi.parse(_plan(_task(1, "A", extra="").replace("PT8H0M0S", "PT12H0M0S")))
    task = plan.tasks[0]
    assert (task.duration_minutes, task.duration_days, task.duration_rounded) == (720, 2, True)


def test_parse_elapsed_lag_is_converted_to_working_days():
    """An elapsed lag of 7 calendar days (LagFormat 8) is 5 working days on a 5-day week."""
    plan = mspdi.parse(
        _plan(_task(1, "A") + _task(2, "B", _link(1, lag=7 * 1440 * 10, lag_format=8)))
    )
    link = plan.links[0]
    assert (link.elapsed, link.lag_days) == (True, 5)


def test_parse_money_is_in_hundredths_and_rates_per_hour():
    """FixedCost 150000 is 1,500.00; a StandardRate is per hour as written."""
    body = _task(1, "A", extra="<FixedCost>150000</FixedCost>")
    head = ""
    data = _plan(body, head).replace(
        b"</Tasks>",
        b"</Tasks><Resources><Resource><UID>1</UID><Name>Ana</Name><Type>1</Type>"
        b"<StandardRate>80</StandardRate></Resource></Resources>",
    )
    plan = mspdi.parse(data)
    assert plan.tasks[0].fixed_cost == Decimal("1500.00")
    assert plan.resources[0].standard_rate == Decimal("80")


BAD_FILES = {
    "not_xml": (b"PK\x03\x04 this is a zip", "not an XML file"),
    "wrong_root": (b"<?xml version='1.0'?><Plan/>", "not an MS Project plan"),
    "wrong_namespace": (
        b"<?xml version='1.0'?><Project xmlns='http://example.com/other'/>",
        "not an MS Project plan",
    ),
    "duplicate_uids": (_plan(_task(1, "A") + _task(1, "B")), "Two tasks have the unique ID 1"),
    "dangling_link": (_plan(_task(1, "A", _link(9))), "which the file does not have"),
    "cycle": (
        _plan(_task(1, "A", _link(3)) + _task(2, "B", _link(1)) + _task(3, "C", _link(2))),
        "The links make a loop",
    ),
    "self_link": (_plan(_task(1, "A", _link(1))), "linked to itself"),
    "xml_bomb": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol2;</Name></Project>',
        "refused for safety",
    ),
    "external_entity": (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>',
        "refused for safety",
    ),
    "bad_date": (_plan(_task(1, "A", extra="<Start>yesterday</Start>")), "not a date"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_parse_refuses_a_bad_file_with_a_reason(name):
    """Each kind of bad file raises MspdiError with a message a person can act on."""
    data, message = BAD_FILES[name]
    with pytest.raises(mspdi.MspdiError) as error:
        mspdi.parse(data)
    assert message in error.value.message


def test_parse_refuses_more_than_20000_tasks():
    """A plan of 20,001 tasks is refused before any task is read."""
    body = "".join(f"<Task><UID>{uid}</UID></Task>" for uid in range(mspdi.MAX_TASKS + 1))
    with pytest.raises(mspdi.MspdiError, match="20,001 tasks"):
        mspdi.parse(_plan(body))


def test_parse_refuses_a_file_over_50_mb():
    """More than 50 MB is refused without parsing."""
    with pytest.raises(mspdi.MspdiError, match="up to 50 MB"):
        mspdi.parse(b" " * (mspdi.MAX_BYTES + 1))


def test_map_plan_reports_what_it_skips_and_converts():
    """The hand-written sample: summaries become packages, summary links are spread over the
    tasks under them, and each unsupported item is listed with its reason."""
    plan = mspdi.parse((DATA / "charter-sample-mspdi.xml").read_bytes())
    preview = mapping.schedule_preview(mapping.map_plan(plan, today=TODAY))
    assert (preview["tasks"], preview["work_packages"], preview["dependencies"]) == (5, 2, 8)
    assert (preview["resources"], preview["assignments"], preview["holidays"]) == (2, 1, 2)
    skipped = {row["item"]: row["reason"] for row in preview["skipped"]}
    assert "Recurring" in skipped["Calendar exception “Christmas”"]
    assert "worked day" in skipped["Calendar exception “Cutover Saturday”"]
    assert "Finish no earlier than" in " ".join(skipped)
    assert "milestone" in skipped["Assignment on “Go live”"]
    converted = " ".join(row["reason"] for row in preview["converted"])
    assert "Elapsed lag of 1 calendar days converted to 1 working days" in converted
    assert "replaced by 4 link(s)" in converted
    differences = {row["name"]: row["reasons"] for row in preview["differences"]}
    assert set(differences) == {"Migrate data", "Go live"}
    assert "Elapsed lag" in differences["Migrate data"][0]
    assert "follows “Migrate data”" in differences["Go live"][0]
    assert preview["file_finish"] == datetime.date(2026, 3, 20)
    assert preview["computed_finish"] == datetime.date(2026, 3, 23)


def test_write_then_parse_gives_the_plan_back():
    """A written plan reads back with the same tasks, outline, links, lags and calendar."""
    day = datetime.date(2026, 3, 2)
    out = mspdi.OutPlan(
        name="Round",
        start=day,
        finish=day + datetime.timedelta(days=3),
        currency="EUR",
        working_weekdays=frozenset({1, 2, 3, 4, 5}),
        holidays=((datetime.date(2026, 3, 4), "Day off"),),
        tasks=(
            mspdi.OutTask(1, "Package", "1", 1, True, day, day, 0),
            mspdi.OutTask(2, "A", "1.1", 2, False, day, day, 1, fixed_cost=Decimal("12.50")),
            mspdi.OutTask(3, "B", "1.2", 2, False, day, day, 0, is_milestone=True),
        ),
        links=(mspdi.OutLink(2, 3, "SS", -2),),
    )
    plan = mspdi.parse(mspdi.write(out))
    assert [(t.uid, t.outline_level, t.is_summary) for t in plan.tasks] == [
        (0, 0, True),
        (1, 1, True),
        (2, 2, False),
        (3, 2, False),
    ]
    assert plan.tasks[2].fixed_cost == Decimal("12.50")
    assert [(link.type, link.lag_days) for link in plan.links] == [("SS", -2)]
    assert plan.calendar.exceptions[0].start == datetime.date(2026, 3, 4)


def test_map_plan_skips_inactive_tasks_and_their_links():
    """An inactive task (MS Project 2010+) is listed as skipped and its links go with it."""
    body = (
        _task(1, "A")
        + _task(2, "Dropped", _link(1), "<Active>0</Active>")
        + _task(3, "C", _link(2))
    )
    preview = mapping.schedule_preview(mapping.map_plan(mspdi.parse(_plan(body)), today=TODAY))
    assert (preview["tasks"], preview["dependencies"]) == (2, 0)
    assert preview["skipped"][0]["item"] == "Task “Dropped”"


def test_map_plan_reads_a_finish_at_midnight_as_that_day_when_the_file_has_no_times():
    """A file whose tasks start and finish at midnight (MPX, as MPXJ turns it into MS Project
    XML) finishes a one-day task on its day; with times, a finish at midnight is the previous
    working day's end, as MS Project means it."""
    dates = "<Start>2026-03-02T00:00:00</Start><Finish>2026-03-02T00:00:00</Finish>"
    plan = mspdi.parse(_plan(_task(1, "Design", extra=dates)))
    assert plan.dates_only
    task = mapping.map_plan(plan, today=TODAY, start=None).tasks[0]
    assert (task.file_start, task.file_finish) == (datetime.date(2026, 3, 2),) * 2

    timed = "<Start>2026-03-02T08:00:00</Start><Finish>2026-03-03T00:00:00</Finish>"
    plan = mspdi.parse(_plan(_task(1, "Design", extra=timed)))
    assert not plan.dates_only
    task = mapping.map_plan(plan, today=TODAY, start=None).tasks[0]
    assert (task.file_start, task.file_finish) == (datetime.date(2026, 3, 2),) * 2


def test_parse_takes_a_larger_limit_for_the_xml_mpxj_wrote():
    """The MS Project XML MPXJ writes of a binary plan may be larger than an upload may be: the
    limit is the caller's."""
    with pytest.raises(mspdi.MspdiError, match="up to 1 MB"):
        mspdi.parse(b" " * (1024 * 1024 + 1), max_bytes=1024 * 1024)
