"""Lessons learned: the services (validation, tags, versions, who may change one, closed projects)
and the selectors (search across the projects a user can see, on PostgreSQL and on SQLite; the
lessons offered to a project being planned)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from projects.exceptions import StaleEdit
from projects.models import Project
from reports.models import LessonLearned
from reports.selectors.lessons import (
    every_word_search,
    lessons_offered,
    lessons_search,
    search_words,
    stem,
)
from reports.services.lessons import (
    lesson_create,
    lesson_delete,
    lesson_update,
    may_edit,
    normalise_tags,
)
from tests.factories import UserFactory, project_with

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search only"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback only")


def lesson(project, by, **fields) -> LessonLearned:
    values = {
        "category": "vendors",
        "title": "Vendor delivered the hardware late",
        "what_happened": "The supplier missed the agreed delivery date by three weeks.",
        "recommendation": "Put delivery penalties into the contract.",
    }
    values.update(fields)
    return lesson_create(project=project, by=by, **values)


def close(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    project.refresh_from_db()
    return project


# --- tags -----------------------------------------------------------------------------------------


def test_normalise_tags_lowercases_trims_and_drops_repeats():
    """Tags are stored lower-case and trimmed, inner spaces collapsed, each once, in order."""
    assert normalise_tags([" Vendor ", "SLA   Breach", "vendor", "", "  "]) == [
        "vendor",
        "sla breach",
    ]


def test_normalise_tags_splits_typed_text_on_commas():
    """What a person types in the form, "Cloud, cost,,CLOUD", becomes two tags."""
    assert normalise_tags("Cloud, cost,,CLOUD") == ["cloud", "cost"]


def test_normalise_tags_refuses_more_than_ten():
    """An eleventh distinct tag is refused with a message that counts them."""
    with pytest.raises(ValidationError) as caught:
        normalise_tags([f"tag{n}" for n in range(11)])
    assert caught.value.message_dict["tags"] == ["Give at most 10 tags; this lesson has 11."]


def test_normalise_tags_refuses_a_long_tag():
    """A tag of 31 characters is refused and named."""
    with pytest.raises(ValidationError) as caught:
        normalise_tags(["x" * 31])
    assert "at most 30 characters" in caught.value.message_dict["tags"][0]
    assert normalise_tags(["x" * 30]) == ["x" * 30]


def test_normalise_tags_refuses_non_text():
    """A number in the list is refused, not stored."""
    with pytest.raises(ValidationError):
        normalise_tags(["ok", 3])


# --- create, update, delete -----------------------------------------------------------------------


def test_lesson_create_records_author_and_normalised_fields(project, member):
    """A new lesson keeps its author, trims its text and normalises its tags."""
    created = lesson(project, member, title="  Late hardware  ", tags=["Vendor", "vendor ", "SLA"])
    created.refresh_from_db()
    assert (created.title, created.tags, created.created_by, created.version) == (
        "Late hardware",
        ["vendor", "sla"],
        member,
        1,
    )
    assert created.history.get().history_user == member


def test_lesson_create_refuses_empty_required_text(project, member):
    """Title, what happened and recommendation are required, each with its own message."""
    with pytest.raises(ValidationError) as caught:
        lesson(project, member, title="  ", what_happened="", recommendation="\n")
    assert set(caught.value.message_dict) == {"title", "what_happened", "recommendation"}
    assert caught.value.message_dict["recommendation"] == ["Say what to do next time."]
    assert not LessonLearned.objects.exists()


def test_lesson_create_refuses_an_unknown_category(project, member):
    """A category outside the seven is refused, and the message lists them."""
    with pytest.raises(ValidationError) as caught:
        lesson(project, member, category="luck")
    message = caught.value.message_dict["category"][0]
    assert "“luck” is not a category" in message
    assert "estimation" in message


def test_lesson_create_is_allowed_on_a_closed_project(project, member):
    """A closed project still accepts lessons learned (DESIGN §3)."""
    close(project)
    assert lesson(project, member).project == project


def test_lesson_update_bumps_the_version_and_refuses_a_stale_one(project, member):
    """An edit based on version 1 saves version 2; a second edit based on 1 is refused."""
    created = lesson(project, member)
    updated = lesson_update(
        lesson=created, by=member, version=1, impact="Three weeks late.", tags="Hardware"
    )
    assert (updated.version, updated.impact, updated.tags) == (2, "Three weeks late.", ["hardware"])
    with pytest.raises(StaleEdit):
        lesson_update(lesson=created, by=member, version=1, title="Overwritten")
    created.refresh_from_db()
    assert created.title == "Vendor delivered the hardware late"


def test_lesson_update_validates_like_create(project, member):
    """An edit that empties the recommendation is refused."""
    created = lesson(project, member)
    with pytest.raises(ValidationError) as caught:
        lesson_update(lesson=created, by=member, version=None, recommendation=" ")
    assert "recommendation" in caught.value.message_dict


def test_lesson_update_by_the_author_or_a_manager_only(project, manager, member, viewer):
    """Another member cannot change someone's lesson; the project's manager can."""
    other = UserFactory(username="olga")
    project.memberships.create(user=other, role="member")
    created = lesson(project, member)
    assert may_edit(created, member) and may_edit(created, manager)
    assert not may_edit(created, other) and not may_edit(created, viewer)
    with pytest.raises(PermissionDenied, match="author or a manager"):
        lesson_update(lesson=created, by=other, version=None, title="Mine now")
    assert lesson_update(lesson=created, by=manager, version=None, title="Edited").title == "Edited"


def test_lesson_update_and_delete_are_refused_on_a_closed_project(project, manager):
    """Once closed, a lesson can be added but not changed or removed, even by the manager."""
    created = lesson(project, manager)
    close(project)
    created.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        lesson_update(lesson=created, by=manager, version=None, title="Changed")
    with pytest.raises(PermissionDenied, match="closed"):
        lesson_delete(lesson=created, by=manager)
    assert LessonLearned.objects.filter(pk=created.pk).exists()


def test_lesson_delete_keeps_the_history(project, member):
    """A removed lesson leaves a deletion record naming who removed it."""
    created = lesson(project, member)
    lesson_delete(lesson=created, by=member, version=1)
    assert not LessonLearned.objects.exists()
    last = LessonLearned.history.filter(id=created.pk).order_by("history_id").last()
    assert (last.history_type, last.history_user) == ("-", member)


def test_lesson_delete_refuses_a_stale_version(project, member):
    """Removing a lesson someone edited since it was read is refused."""
    created = lesson(project, member)
    lesson_update(lesson=created, by=member, version=1, impact="Big")
    with pytest.raises(StaleEdit):
        lesson_delete(lesson=created, by=member, version=1)


# --- search ---------------------------------------------------------------------------------------


@pytest.fixture
def lessons_around(project, manager, member, outsider):
    """Lessons in two of Maria's projects and one in Oscar's she cannot see, with the same words."""
    other = project_with(manager=manager)
    Project.objects.filter(pk=other.pk).update(type=Project.Type.INFRASTRUCTURE)
    other.refresh_from_db()
    hidden = outsider.memberships.get().project
    return {
        "here": lesson(project, member, tags=["vendor", "contract"]),
        "there": lesson(
            other,
            manager,
            category="estimation",
            title="Estimates ignored vendor lead times",
            what_happened="Hardware from the vendor took eight weeks to arrive.",
            recommendation="Ask suppliers for lead times before estimating.",
            tags=["estimation"],
        ),
        "unrelated": lesson(
            project,
            manager,
            category="people",
            title="Holidays clashed with go-live",
            what_happened="Half the team was away for the cutover weekend.",
            recommendation="Agree a holiday freeze around go-live.",
        ),
        "hidden": lesson(
            hidden,
            outsider,
            title="Vendor delivered the hardware late",
            recommendation="Put delivery penalties into the contract.",
        ),
    }


def test_lessons_search_finds_across_projects_but_never_an_invisible_one(manager, lessons_around):
    """ "vendor" finds Maria's lessons in both her projects and not Oscar's identical one."""
    found = set(lessons_search(manager, text="vendor"))
    assert found == {lessons_around["here"], lessons_around["there"]}
    assert lessons_around["hidden"] not in set(lessons_search(manager))


def test_lessons_search_needs_every_word(manager, lessons_around):
    """Every word must match: "vendor contract" finds only the lesson mentioning both."""
    assert list(lessons_search(manager, text="vendor contract")) == [lessons_around["here"]]
    assert list(lessons_search(manager, text="vendor holiday")) == []


def test_lessons_search_looks_in_every_field(manager, lessons_around):
    """Words from the title, what happened, the recommendation and the tags all count."""
    assert list(lessons_search(manager, text="cutover")) == [lessons_around["unrelated"]]
    assert list(lessons_search(manager, text="freeze")) == [lessons_around["unrelated"]]
    assert list(lessons_search(manager, text="contract")) == [lessons_around["here"]]


def test_lessons_search_filters(manager, lessons_around):
    """Category, project type and tag narrow the list, alone and with words."""
    assert list(lessons_search(manager, category="estimation")) == [lessons_around["there"]]
    assert set(lessons_search(manager, project_type="software")) == {
        lessons_around["here"],
        lessons_around["unrelated"],
    }
    assert list(lessons_search(manager, tag=" Contract ")) == [lessons_around["here"]]
    assert list(lessons_search(manager, tag="contr")) == []
    assert list(lessons_search(manager, text="vendor", project_type="infrastructure")) == [
        lessons_around["there"]
    ]


def test_lessons_search_without_words_lists_the_newest_first(manager, lessons_around):
    """No words: every visible lesson, newest first."""
    assert list(lessons_search(manager)) == [
        lessons_around["unrelated"],
        lessons_around["there"],
        lessons_around["here"],
    ]


def test_lessons_search_copes_with_odd_input(manager, lessons_around):
    """Quotes, lone operators, punctuation and NUL characters find nothing rather than fail."""
    visible = set(lessons_search(manager)) - {lessons_around["hidden"]}
    for text in ['"', "-", "or", "!!!", "'; drop table", "\x00", "a" * 500, "&|:*", "vendor\x00"]:
        assert set(lessons_search(manager, text=text)) <= visible, repr(text)
    assert lessons_around["here"] in set(lessons_search(manager, text="vendor\x00"))


def test_lessons_search_sees_nothing_for_a_stranger(lessons_around):
    """A user in no project finds nothing, whatever the words."""
    assert list(lessons_search(UserFactory(username="nobody"), text="vendor")) == []


@on_postgresql
def test_lessons_search_ranks_and_stems_on_postgresql(manager, lessons_around):
    """Full-text search stems ("delivering" finds "delivered") and ranks a title match first."""
    assert list(lessons_search(manager, text="delivering")) == [lessons_around["here"]]
    # "vendor" is in the title of both; "hardware" in one's title and the other's body.
    assert list(lessons_search(manager, text="hardware")) == [
        lessons_around["here"],
        lessons_around["there"],
    ]
    assert list(lessons_search(manager, text='"lead times" -holiday')) == [lessons_around["there"]]


@on_sqlite
def test_lessons_search_matches_parts_of_words_on_sqlite(manager, lessons_around):
    """The SQLite fallback matches substrings in any case, title matches first."""
    assert set(lessons_search(manager, text="VEND")) == {
        lessons_around["here"],
        lessons_around["there"],
    }
    # "hardware" is in the title of "here" only: it comes first, though it is older.
    assert list(lessons_search(manager, text="hardware")) == [
        lessons_around["here"],
        lessons_around["there"],
    ]


def test_search_words_drop_web_search_punctuation():
    """The fallback's words: quotes and a leading minus go, hyphenated words stay whole."""
    assert search_words('"lead times" -holiday go-live') == ["lead", "times", "holiday", "go-live"]


def test_stem_gives_a_prefix_every_inflected_form_shares():
    """A query word loses its English inflection, never below three letters."""
    cases = {
        "delays": "delay",
        "delayed": "delay",
        "delaying": "delay",
        "vendors": "vendor",
        "carrier's": "carrier",
        "planned": "plan",
        "deliveries": "deliver",
        "scheduling": "schedul",
        "processes": "process",
        "boxes": "box",
        "times": "time",
        "missed": "miss",
        "bus": "bus",
        "as": "as",
        "Zürich": "zürich",
    }
    assert {word: stem(word) for word in cases} == cases


@pytest.fixture
def carrier_lessons(project, manager):
    return {
        "carrier": lesson(
            project,
            manager,
            category="vendors",
            title="Order every circuit in the first month",
            what_happened="The carrier's quoted lead times were missed; three orders delayed "
            "the cut-overs.",
            recommendation="Hold a weekly order review with the carrier's account team.",
            tags=["circuits"],
        ),
        "other": lesson(
            project,
            manager,
            category="planning",
            title="Put the change freezes in the schedule",
            what_happened="The first wave plan had cut-overs inside the freeze.",
            recommendation="Enter every change freeze as non-working time.",
        ),
    }


def test_every_word_search_matches_stems_and_the_category(manager, carrier_lessons):
    """The SQLite search (run here on whichever database the suite uses) finds "vendor" in the
    Vendors category and inflected words: "carrier delay" and "carriers delays" find "delayed"."""
    lessons = LessonLearned.objects.all()
    found = {
        text: list(every_word_search(lessons, text))
        for text in ("vendor", "carrier delay", "carriers delays", "delaying", "freezing plans")
    }
    carrier, other = carrier_lessons["carrier"], carrier_lessons["other"]
    assert found == {
        "vendor": [carrier],
        "carrier delay": [carrier],
        "carriers delays": [carrier],
        "delaying": [carrier],
        "freezing plans": [other],
    }


def test_lessons_search_finds_a_lesson_by_its_category(manager, carrier_lessons):
    """ "vendor" finds the lesson filed under Vendors whose text never says it, on either
    database (PostgreSQL full-text search or the SQLite fallback)."""
    assert list(lessons_search(manager, text="vendor")) == [carrier_lessons["carrier"]]
    assert list(lessons_search(manager, text="vendors circuit")) == [carrier_lessons["carrier"]]


# --- lessons offered to a new project -------------------------------------------------------------


def test_lessons_offered_come_from_visible_projects_of_the_same_type(
    project, manager, member, outsider
):
    """A new software project is offered lessons of Maria's other software projects, those run
    the same way first, never its own, another type's or a project she cannot see."""
    scrum = project_with(manager=manager)  # software, Scrum like ``project``
    waterfall = project_with(manager=manager)
    Project.objects.filter(pk=waterfall.pk).update(methodology=Project.Methodology.WATERFALL)
    infra = project_with(manager=manager)
    Project.objects.filter(pk=infra.pk).update(type=Project.Type.INFRASTRUCTURE)
    same_way = lesson(scrum, manager, title="Sprint zero helps")
    other_way = lesson(waterfall, manager, title="Gate reviews slipped")
    lesson(infra, manager, title="Racks arrived late")
    lesson(project, member, title="Our own lesson")
    lesson(outsider.memberships.get().project, outsider, title="Oscar's secret")

    offered, total = lessons_offered(manager, project)
    assert offered == [same_way, other_way]
    assert total == 2

    offered, total = lessons_offered(manager, project, limit=1)
    assert (offered, total) == ([same_way], 2)


def test_lessons_search_handles_accented_words(project, manager):
    """A word with an accent is found in the text and as a tag, on either database."""
    created = lesson(
        project,
        manager,
        title="Data centre move in Zürich",
        what_happened="The café closed.",
        tags=["Zürich"],
    )
    assert created.tags == ["zürich"]
    assert list(lessons_search(manager, text="zürich")) == [created]
    assert list(lessons_search(manager, tag="Zürich")) == [created]
    assert list(lessons_search(manager, text="café")) == [created]
