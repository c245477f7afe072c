"""Reads of lessons learned, always through ``projects_for(user)``: a lesson of a project the user
cannot see never appears, in a project's list, the search or the lessons offered to a new project.

Search uses PostgreSQL full-text search when the database is PostgreSQL (English stemming,
weighted fields, ranked results) and, on SQLite, the embedded default (DESIGN §2), an "every word
appears somewhere" match of each word's stem, so that both find "delayed" for "delays" and a
lesson of the Vendors category for "vendor".
"""

from __future__ import annotations

import json
import re

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from projects.models import Project
from projects.selectors import projects_for
from reports.models import LessonLearned

User = AbstractBaseUser | AnonymousUser

# The language of the stemmer: "delays" finds "delayed", "vendors" finds "vendor".
SEARCH_CONFIG = "english"
# The category's value ("vendors", "people", ...) is a word of the lesson too: "vendor" finds the
# lessons filed under Vendors though their text says "supplier" or "carrier".
SEARCH_FIELDS = ("title", "what_happened", "impact", "recommendation", "category")
MAX_SEARCH_LENGTH = 200
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
# Suffixes of English inflection that stem() takes off, the first that fits.
_ES_SUFFIXES = ("sses", "xes", "ches", "shes", "zes")
_SUFFIXES = (*_ES_SUFFIXES, "ies", "ing", "ed", "s")
_POSSESSIVE = re.compile(r"['’]s$")


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def search_words(text: str) -> list[str]:
    """The words of a search, without the punctuation of web-search syntax (quotes, ``-``)."""
    return _WORD.findall(text)


def stem(word: str) -> str:
    """A prefix that the word's inflected forms share, for the SQLite fallback's substring match:
    "delays", "delayed" and "delaying" give "delay"; "vendors" gives "vendor"; "planned" gives
    "plan"; "deliveries" and "delivery" give "deliver"; "scheduling" gives "schedul". A light
    suffix-stripper rather than PostgreSQL's Snowball stemmer: only the query is stemmed (the
    text is matched as it is stored), so the stem must be a prefix of each form, never longer.
    No cut leaves fewer than three letters, and a final "e" or "y" goes only from four or more
    ("times" gives "time", not "tim", which would match "optimistic")."""
    word = _POSSESSIVE.sub("", word.lower())
    base = word
    for suffix in _SUFFIXES:
        if not base.endswith(suffix) or (suffix == "s" and base.endswith("ss")):
            continue
        # "-sses", "-xes", ... lose only their "es": "processes" -> "process", "boxes" -> "box".
        cut = len(base) - (2 if suffix in _ES_SUFFIXES else len(suffix))
        if cut >= 3:
            base = base[:cut]
            if suffix in ("ed", "ing") and base[-1] == base[-2] and base[-1] not in "aeiouylsz":
                base = base[:-1]  # "planned" -> "plan"; "called" and "missed" keep theirs
        break
    ends_soft = base.endswith("e") or (base.endswith("y") and base[-2:-1] not in tuple("aeiou"))
    if ends_soft and len(base) > 4:
        base = base[:-1]  # "schedule" -> "schedul" (scheduling); "delivery" -> "deliver"
    return base


def _visible(user: User) -> QuerySet[LessonLearned]:
    return LessonLearned.objects.filter(project__in=projects_for(user).values("pk")).select_related(
        "project", "created_by"
    )


def lessons_of(project: Project) -> QuerySet[LessonLearned]:
    """A project's lessons (the caller got the project through the access door), newest first."""
    return (
        LessonLearned.objects.filter(project=project)
        .select_related("project", "created_by")
        .order_by("-created_at", "-id")
    )


def _with_tag(queryset: QuerySet[LessonLearned], tag: str) -> QuerySet[LessonLearned]:
    """Lessons tagged exactly ``tag`` (tags are stored lower-case)."""
    tag = tag.strip().lower()
    if connection.vendor == "postgresql":
        return queryset.filter(tags__contains=[tag])
    # SQLite has no JSON containment lookup: look through the list's elements with json_each.
    table = connection.ops.quote_name(LessonLearned._meta.db_table)
    return queryset.alias(
        has_tag=RawSQL(
            f"EXISTS (SELECT 1 FROM json_each({table}.tags) WHERE json_each.value = %s)",
            (tag,),
            output_field=BooleanField(),
        )
    ).filter(has_tag=True)


def _full_text(queryset: QuerySet[LessonLearned], text: str) -> QuerySet[LessonLearned]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("recommendation", weight="B", config=SEARCH_CONFIG)
        + SearchVector(Cast("tags", TextField()), weight="B", config=SEARCH_CONFIG)
        + SearchVector("what_happened", "impact", "category", weight="C", config=SEARCH_CONFIG)
    )
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        queryset.annotate(document=vector, rank=SearchRank(vector, query))
        .filter(document=query)
        .order_by("-rank", "-created_at", "-id")
    )


def every_word_search(queryset: QuerySet[LessonLearned], text: str) -> QuerySet[LessonLearned]:
    """The search on SQLite (it runs on any database): each word's stem appears (any case) in
    some field, the category or a tag; lessons with every word in the title come first, then the
    newest."""
    words = search_words(text)
    if not words:
        return queryset.none()
    in_title = Q()
    for word in map(stem, words):
        anywhere = Q(tags__icontains=json.dumps(word)[1:-1])
        for field in SEARCH_FIELDS:
            anywhere |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(anywhere)
        in_title &= Q(title__icontains=word)
    return queryset.annotate(
        rank=Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-rank", "-created_at", "-id")


def lessons_search(
    user: User, *, text: str = "", category: str = "", project_type: str = "", tag: str = ""
) -> QuerySet[LessonLearned]:
    """Lessons of every project ``user`` can see, matching ``text`` (web-search syntax on
    PostgreSQL: ``"exact phrase"``, ``-without``, ``or``) and the filters; the best matches first
    when searching, the newest first otherwise. Each lesson comes with its project and author."""
    queryset = _visible(user)
    if category:
        queryset = queryset.filter(category=category)
    if project_type:
        queryset = queryset.filter(project__type=project_type)
    if tag.strip():
        queryset = _with_tag(queryset, tag)
    text = text.replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]
    if not text:
        return queryset.order_by("-created_at", "-id")
    if uses_full_text_search():
        return _full_text(queryset, text)
    return every_word_search(queryset, text)


def lessons_offered(
    user: User, project: Project, *, limit: int = 5
) -> tuple[list[LessonLearned], int]:
    """Lessons from the user's other projects of ``project``'s type, to read while planning it:
    those of projects run the same way (methodology) first, then the newest. Returns up to
    ``limit`` lessons and how many there are in all (two queries)."""
    queryset = _visible(user).filter(project__type=project.type).exclude(project=project)
    lessons = list(
        queryset.annotate(
            same_way=Case(
                When(project__methodology=project.methodology, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ).order_by("-same_way", "-created_at", "-id")[:limit]
    )
    total = len(lessons) if len(lessons) < limit else queryset.count()
    return lessons, total
