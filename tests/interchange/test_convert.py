"""Plans in other formats (.mpp, .mpx, .xer, Primavera P6 XML) read by MPXJ in a Java subprocess
into the one MS Project XML importer: converted when the upload is prepared, then previewed,
imported and re-imported like MS Project XML.

A JVM start costs 1–2 s: each file is converted once per module (``converted``), and the tests
that go through the upload convert one file each."""

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from interchange import convert, mspdi, services
from interchange.models import Import
from projects.models import Project
from scheduling import services as scheduling_services
from scheduling.models import Task

DATA = Path(__file__).parent / "data"
MPP = sorted(DATA.glob("*-project2016-mpp14.mpp"))
# Written from task-links-project2016-mpp14.mpp by MPXJ's own writers (LICENCE.md says how).
OTHER_FORMATS = {
    "task-links-mpxj.mpx": "mpx",
    "task-links-mpxj.xer": "xer",
    "task-links-mpxj-p6.xml": "p6xml",
}


def _twin(path: Path) -> Path:
    """The MS Project XML that MS Project saved of the same plan as ``path``."""
    return DATA / path.name.replace("-mpp14.mpp", "-mspdi.xml")


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, bytes]:
    """Every .mpp of the corpus and the MPXJ-written files as MS Project XML, converted once in
    one JVM by MPXJ's batch converter (the same reader and writer as ``convert.to_mspdi``, which
    the upload tests run: 1 s of CPU instead of 9)."""
    java, jars = convert.java_command(), convert.jar_directory()
    if java is None or jars is None:
        if os.environ.get("CI"):
            pytest.fail("No Java runtime: CI must read binary plans (scripts/ensure-system-libs).")
        pytest.skip("No Java runtime here (scripts/ensure-system-libs installs one).")
    source, target = tmp_path_factory.mktemp("plans"), tmp_path_factory.mktemp("mspdi")
    paths = [*MPP, *(DATA / name for name in OTHER_FORMATS)]
    for path in paths:
        shutil.copy(path, source / f"{path.name}.plan")
    command = convert.java_command_line(
        java, jars, "org.mpxj.sample.MpxjBatchConvert", str(source), "plan", str(target), "xml"
    )
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return {path.name: (target / f"{path.name}.xml").read_bytes() for path in paths}


def _rows(project: Project) -> list[tuple]:
    """What the import made of each task, as a person would compare two plans."""
    return sorted(
        (
            task.external_id or "",
            task.name,
            task.start_date,
            task.finish_date,
            task.duration,
            task.constraint_date,
            task.deadline,
            task.percent_complete,
            task.fixed_cost,
            task.work_package.name if task.work_package else "",
        )
        for task in Task.objects.filter(project=project).select_related("work_package")
    )


def _upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (DATA / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("task-links-project2016-mspdi.xml", "mspdi"),
        ("task-links-project2016-mpp14.mpp", "mpp"),
        ("task-links-mpxj.mpx", "mpx"),
        ("task-links-mpxj.xer", "xer"),
        ("task-links-mpxj-p6.xml", "p6xml"),
    ],
)
def test_file_format_is_told_from_the_bytes(name, expected):
    """The format comes from the file's first bytes, whatever its name says."""
    data = (DATA / name).read_bytes()
    assert convert.file_format(data, name) == expected
    assert convert.file_format(data, "renamed.bin") == expected


def test_file_format_leaves_other_xml_to_the_ms_project_reader():
    """XML of no known plan format, or bytes that are not XML, named .xml, is read as MS
    Project XML (whose reader says what is wrong); other bytes are left to MPXJ."""
    assert convert.file_format(b"<?xml version='1.0'?><Plan/>", "plan.xml") == "mspdi"
    assert convert.file_format(b"PK\x03\x04 a zip", "plan.xml") == "mspdi"
    assert convert.file_format(b"PK\x03\x04 a zip", "plan.gan") == "mpxj"


def test_file_format_reads_xml_saved_as_utf_16():
    """MS Project XML and P6 XML saved as UTF-16 are told apart as in UTF-8."""
    for name, expected in [
        ("task-links-project2016-mspdi.xml", "mspdi"),
        ("task-links-mpxj-p6.xml", "p6xml"),
    ]:
        data = (DATA / name).read_text(encoding="utf-8").encode("utf-16")
        assert convert.file_format(data, "plan.bin") == expected


@pytest.mark.django_db
@pytest.mark.parametrize("path", MPP, ids=[p.name for p in MPP])
def test_mpp_imports_as_its_ms_project_xml_twin_does(path, converted, manager):
    """Each .mpp MS Project saved imports with every task (UID, name, dates, duration,
    constraint, deadline, progress, cost, work package) as the MS Project XML it saved of the
    same plan imports, the calendar and the preview alike."""
    from_mpp = mspdi.parse(converted[path.name])
    from_xml = mspdi.parse(_twin(path).read_bytes())
    preview_mpp = services.plan_preview(plan=from_mpp)
    preview_xml = services.plan_preview(plan=from_xml)
    for key in ("tasks", "dependencies", "work_packages", "file_finish", "computed_finish"):
        assert preview_mpp[key] == preview_xml[key], key
    assert preview_mpp["differences"] == preview_xml["differences"]
    assert preview_mpp["working_weekdays"] == preview_xml["working_weekdays"]

    mpp = services.plan_import(plan=from_mpp, by=manager, key="MPP")
    xml = services.plan_import(plan=from_xml, by=manager, key="XML")
    assert _rows(mpp) == _rows(xml)
    assert (mpp.start_date, mpp.target_finish) == (xml.start_date, xml.target_finish)
    calendars = [scheduling_services.calendar_for(p) for p in (mpp, xml)]
    assert calendars[0].working_weekdays == calendars[1].working_weekdays
    assert [list(c.holidays.values_list("date", "name")) for c in calendars] == [
        list(calendars[1].holidays.values_list("date", "name"))
    ] * 2


@pytest.mark.django_db
def test_mpp_of_an_imported_plan_re_imports_with_no_change(converted, manager):
    """A project imported from MS Project XML, updated from the .mpp of the same plan: the
    tasks match by UID and nothing is added, changed or removed."""
    project = services.plan_import(
        plan=mspdi.parse((DATA / "task-links-project2016-mspdi.xml").read_bytes()), by=manager
    )
    plan = mspdi.parse(converted["task-links-project2016-mpp14.mpp"])
    diff = services.reimport_diff(plan=plan, project=project)
    assert (diff["tasks_added"], diff["tasks_changed"], diff["tasks_removed"]) == (0, 0, 0)
    assert (diff["links_added"], diff["links_changed"], diff["links_removed"]) == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("name", OTHER_FORMATS)
def test_mpx_xer_and_p6_xml_import_with_the_dates_of_the_plan(name, converted, manager):
    """The .mpx, .xer and P6 XML MPXJ wrote of the links plan import with its tasks, dates and
    links (MPX keeps days without times; P6 numbers the activities its own way, so tasks are
    compared without their UIDs)."""
    plan = mspdi.parse(converted[name])
    preview = services.plan_preview(plan=plan)
    assert (preview["tasks"], preview["dependencies"]) == (16, 8)
    assert preview["file_finish"] == preview["computed_finish"] == datetime.date(2016, 2, 23)
    assert preview["differences"] == []
    project = services.plan_import(plan=plan, by=manager, key="OTHER")
    twin = services.plan_import(
        plan=mspdi.parse((DATA / "task-links-project2016-mspdi.xml").read_bytes()),
        by=manager,
        key="TWIN",
    )
    assert [row[1:] for row in _rows(project)] == [row[1:] for row in _rows(twin)]


@pytest.mark.django_db
def test_upload_of_an_mpp_is_converted_when_prepared_and_confirmed_from_what_was_kept(
    manager, eager_tasks, django_capture_on_commit_callbacks
):
    """An .mpp upload keeps its bytes and name; preparing converts it and keeps the MS Project
    XML, from which confirming imports (no second conversion)."""
    path = DATA / "task-dates-project2016-mpp14.mpp"
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.import_create(by=manager, file=_upload(path.name), key="DATES")
    upload.refresh_from_db()
    assert (upload.status, upload.format, upload.filename) == ("preview", "mpp", path.name)
    assert bytes(upload.data) == path.read_bytes()
    assert bytes(upload.converted).startswith(b"<?xml")
    assert upload.preview["tasks"] == 10

    project = services.import_confirm(upload=upload, by=manager)
    assert Task.objects.filter(project=project).count() == 10
    assert Import.objects.get(pk=upload.pk).status == "done"


@pytest.mark.django_db
def test_a_corrupt_mpp_fails_with_the_reason_and_writes_nothing(
    manager, eager_tasks, django_capture_on_commit_callbacks
):
    """Random bytes named .mpp: the upload is `failed`, saying the file could not be read as
    a project plan, and confirming it is refused with no project written."""
    noise = os.urandom(20_000)
    projects = Project.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.import_create(by=manager, file=_upload("plan.mpp", noise))
    upload.refresh_from_db()
    assert upload.status == "failed"
    assert upload.errors[0].startswith("This file could not be read as a project plan: ")
    assert "not a format MPXJ knows" in upload.errors[0]
    assert upload.converted is None
    with pytest.raises(ValidationError, match="could not be read"):
        services.import_confirm(upload=upload, by=manager)
    assert Project.objects.count() == projects


@pytest.mark.django_db
def test_without_java_a_binary_upload_is_refused_saying_what_works(manager, settings):
    """No Java runtime: an .mpp upload is refused at once, saying binary plans need Java and
    that MS Project XML works; nothing is kept. MS Project XML still uploads."""
    settings.MPXJ_JAVA = "/nonexistent/java"
    assert not convert.available()
    with pytest.raises(ValidationError) as refused:
        services.import_create(by=manager, file=_upload("task-links-project2016-mpp14.mpp"))
    message = refused.value.message_dict["file"][0]
    assert "needs a Java runtime" in message and "MS Project XML works" in message
    assert not Import.objects.exists()
    services.import_create(by=manager, file=_upload("task-links-project2016-mspdi.xml"))
    assert Import.objects.get().format == "mspdi"


@pytest.mark.django_db
def test_a_worker_without_java_fails_the_upload_with_the_same_advice(manager, settings):
    """Java went away between the upload and the worker (or only the web has it): the import
    fails with the same advice instead of an error."""
    upload = Import.objects.create(
        owner=manager,
        filename="plan.mpp",
        format="mpp",
        data=(DATA / "task-links-project2016-mpp14.mpp").read_bytes(),
    )
    settings.MPXJ_JAVA = "java-that-is-not-installed"
    upload = services.import_prepare(import_id=upload.pk)
    assert (upload.status, upload.errors) == ("failed", [convert.NEEDS_JAVA])


def test_xml_declaring_entities_is_refused_before_java_runs():
    """A P6 XML file with a DOCTYPE (an external entity reading a server file) is refused with
    the reason; no JVM is started for it."""
    data = (DATA / "task-links-mpxj-p6.xml").read_bytes()
    head, rest = data.split(b"?>", 1)
    bomb = head + b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + rest
    with pytest.raises(convert.ConvertError, match="declares a document type or entities"):
        convert.to_mspdi(bomb, "plan.xml")


@pytest.mark.django_db
def test_a_conversion_over_its_time_limit_is_stopped_and_says_so(manager, settings):
    """MPXJ_TIMEOUT bounds the JVM: past it the process is killed and the upload fails."""
    if not convert.available():
        pytest.skip("No Java runtime here.")
    settings.MPXJ_TIMEOUT = 0.05
    with pytest.raises(convert.ConvertError, match="took longer than 0.05 seconds"):
        convert.to_mspdi((DATA / "task-links-project2016-mpp14.mpp").read_bytes(), "plan.mpp")
