"""API lists: a 100-row page of tasks, risks, cost entries and projects, against plain DRF.

Runs Django in-process on a throw-away test database of the configured engine (PostgreSQL when
``DATABASE_URL`` says so: run it there, the goal is PostgreSQL's) and times whole requests through
the test client, as an integration calls them, with a knox token in the ``Authorization`` header:
routing, middleware (the history middleware included), token authentication, throttling (in the
configured cache: Redis when ``REDIS_URL`` is set), permissions, the project door, filters,
pagination with its count, serializers and rendering. Best of 20 runs, wall clock, each list
and its baseline taking turns. This is in-process latency of one request at a time; throughput
under gunicorn (``wrk``) is not measured here.

The project has 2,000 tasks (in 100 work packages, FS chains, half with an owner), 500 risks
(an owner and a task impact each), 2,000 cost entries (half on a task), and its user is a
member of 200 other projects as well. Timestamps are fixed after the build, so the digest of
each answer is the same from run to run and shows whether a change altered any JSON.

Baseline in the same run, per list: a plain DRF ``ListAPIView`` over the same rows in the same
order, a ``ModelSerializer`` of the same fields (with the ``select_related``/``prefetch_related``
its fields need), ``PageNumberPagination`` of 100, and no authentication, throttle, permission or
filter classes, on a temporary URLconf behind the same middleware. Goal (issue #14): every list
at least 0.6x the baseline's speed, i.e. its time <= 1/0.6 of the baseline's. The query count
of each request is printed too.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import time
import types
from collections.abc import Callable
from decimal import Decimal

TASKS, RISKS, COSTS, OTHER_PROJECTS = 2_000, 500, 2_000, 200
PAGE = 100
REPEATS = 20
GOAL_RATIO = 1 / 0.6
FIXED = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
URLCONF = "bench_lists_urls"


def best_of_each(
    ours: Callable[[], object], plain: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float]:
    """The best time of each call, the two taking turns, so that both meet the same load."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for n, call in enumerate((ours, plain)):
            started = time.perf_counter()
            call()
            best[n] = min(best[n], time.perf_counter() - started)
    return best[0], best[1]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Throttle counters of this run apart from anyone else's in a shared Redis.
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench-lists")
    import django

    django.setup()


def _build(user) -> object:
    """The measured project and the 200 others the user is a member of."""
    from django.contrib.auth import get_user_model

    from budgets.models import Category, CostEntry
    from projects import services as project_services
    from projects.models import Membership, Project, Role, WorkPackage
    from risks.models import Risk, RiskScale, RiskTaskImpact
    from scheduling import services
    from scheduling.models import Dependency, Task

    start = datetime.date(2026, 1, 5)
    project = Project.objects.create(
        name="Lists", key="LST", start_date=start, target_finish=datetime.date(2032, 12, 31)
    )
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    others = get_user_model().objects.bulk_create(
        get_user_model()(username=f"member{n}", email=f"member{n}@example.com") for n in range(5)
    )
    Membership.objects.bulk_create(
        Membership(project=project, user=other, role=Role.MEMBER) for other in others
    )
    project_services.wbs_import(
        project=project,
        by=user,
        nodes=[
            {"name": f"Stream {t + 1}", "children": [{"name": f"Package {t + 1}.1"}]}
            for t in range(TASKS // 20)
        ],
    )
    packages = list(
        WorkPackage.objects.filter(project=project, parent__isnull=False).order_by("sort_key")
    )
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            name=f"Task {n + 1}",
            work_package=packages[n // 20],
            owner=others[n % 5] if n % 2 else None,
            position=n % 20 + 1,
            duration=0 if n % 10 == 9 else 1 + n % 7,
            fixed_cost=Decimal(100 * (n % 9)),
        )
        for n in range(TASKS)
    )
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=tasks[n - 1], successor=tasks[n], lag=n % 3)
        for n in range(1, TASKS)
        if n % 20
    )
    services.schedule_recompute(project)
    scale = RiskScale.default()
    risks = []
    for n in range(RISKS):
        risk = Risk(
            project=project,
            number=n + 1,
            title=f"Risk {n + 1}",
            probability=1 + n % 5,
            impact=1 + (n // 5) % 5,
            owner=others[n % 5],
            cost_impact=Decimal(1000 * (n % 7)),
        )
        risk.derive(scale)
        risks.append(risk)
    risks = Risk.objects.bulk_create(risks)
    RiskTaskImpact.objects.bulk_create(
        RiskTaskImpact(risk=risk, task=tasks[n * 4], days=1 + n % 4) for n, risk in enumerate(risks)
    )
    categories = [Category.HARDWARE, Category.SOFTWARE, Category.CLOUD, Category.TRAVEL]
    CostEntry.objects.bulk_create(
        CostEntry(
            project=project,
            date=start + datetime.timedelta(days=n % 300),
            amount=Decimal(f"{50 + n}.25"),
            category=categories[n % 4],
            task=tasks[n] if n % 2 else None,
            vendor=f"Vendor {n % 17}",
            created_by=user,
        )
        for n in range(COSTS)
    )
    CostEntry.objects.filter(project=project).update(created_at=FIXED)
    Risk.objects.filter(project=project).update(created_at=FIXED, updated_at=FIXED)
    more = Project.objects.bulk_create(
        Project(name=f"Other {n}", key=f"OTH{n}", start_date=start, target_finish=start)
        for n in range(OTHER_PROJECTS)
    )
    Membership.objects.bulk_create(
        Membership(project=other, user=user, role=Role.MEMBER) for other in more
    )
    Project.objects.update(created_at=FIXED, updated_at=FIXED)
    return project


def plain_lists(project, user) -> types.ModuleType:
    """A URLconf with the plain ``ListAPIView`` of each list, in front of the real one;
    ``project`` and ``user`` may be ids (``bench.web`` serves it from gunicorn)."""
    from django.db.models import F, Prefetch
    from django.urls import include, path
    from rest_framework import generics, serializers
    from rest_framework.pagination import PageNumberPagination

    # The plain views list the same fields as the API's serializers (not their code).
    from budgets.api.costs import CostEntrySerializer
    from budgets.models import CostEntry
    from projects.api.projects import ProjectSerializer
    from projects.models import Project
    from risks.api.register import RiskSerializer
    from risks.models import Risk, RiskTaskImpact
    from scheduling.api.tasks import TaskSerializer
    from scheduling.models import Dependency, Task

    class Page(PageNumberPagination):
        page_size = PAGE

    def plain(queryset, model, fields: tuple[str, ...], **declared) -> Callable:
        meta = type("Meta", (), {"model": model, "fields": fields})
        serializer = type(
            f"Plain{model.__name__}",
            (serializers.ModelSerializer,),
            {
                "Meta": meta,
                **declared,
            },
        )
        view = type(
            f"Plain{model.__name__}List",
            (generics.ListAPIView,),
            {
                "serializer_class": serializer,
                "pagination_class": Page,
                "authentication_classes": [],
                "permission_classes": [],
                "throttle_classes": [],
                "filter_backends": [],
                "get_queryset": lambda self: queryset(),
            },
        )
        return view.as_view()

    links = Dependency.objects.select_related("predecessor").only(
        "successor_id", "type", "lag", "predecessor__ref"
    )
    tasks = plain(
        lambda: (
            Task.objects.filter(project=project)
            .with_floats()
            .in_plan_order()
            .prefetch_related(Prefetch("predecessor_links", queryset=links))
        ),
        Task,
        tuple(TaskSerializer.Meta.fields),
        # Late dates and floats are derived on read (``with_floats()``), as the API reads them.
        **{name: serializers.ReadOnlyField() for name in Task.FLOAT_FIELDS},
        predecessors=serializers.ReadOnlyField(source="predecessors_text"),
        planned_cost=serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True),
    )

    def schedule_impacts(self, risk) -> list[dict]:
        return [{"task": i.task_id, "days": i.days} for i in risk.task_impacts.all()]

    risks = plain(
        lambda: (
            Risk.objects.filter(project=project)
            .select_related("issue")
            .prefetch_related(
                Prefetch("task_impacts", queryset=RiskTaskImpact.objects.order_by("task_id"))
            )
            .order_by("-score", "number")
        ),
        Risk,
        RiskSerializer.Meta.fields,
        reference=serializers.ReadOnlyField(),
        residual_score=serializers.ReadOnlyField(),
        residual_level=serializers.ReadOnlyField(),
        schedule_impacts=serializers.SerializerMethodField(),
        get_schedule_impacts=schedule_impacts,
        issue=serializers.ReadOnlyField(source="issue.pk"),
    )
    costs = plain(
        lambda: CostEntry.objects.filter(project=project).order_by("-date", "-id"),
        CostEntry,
        CostEntrySerializer.Meta.fields,
        signed_amount=serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True),
    )
    projects = plain(
        lambda: (
            Project.objects.filter(memberships__user=user)
            .annotate(my_role=F("memberships__role"))
            .order_by("key")
        ),
        Project,
        (*(name for name in ProjectSerializer.Meta.fields if name != "template"),),
        my_role=serializers.ReadOnlyField(),
    )
    module = types.ModuleType(URLCONF)
    module.urlpatterns = [
        path("plain/tasks/", tasks),
        path("plain/risks/", risks),
        path("plain/cost-entries/", costs),
        path("plain/projects/", projects),
        path("", include("config.urls")),
    ]
    sys.modules[URLCONF] = module
    return module


def _profile(call: Callable[[], object], name: str) -> None:
    """``LISTS_PROFILE=1``: where the time of 20 requests goes, by own time and cumulative."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        call()
    profiler.disable()
    print(f"--- profile: {name}")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(45)
    stats.print_stats("throttl|history|auth|backends|selectors|pagination|base.py:134|middleware")


def _digest(body: bytes) -> str:
    return hashlib.sha256(json.dumps(json.loads(body), sort_keys=True).encode()).hexdigest()[:12]


def run() -> bool:
    _setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import (
        CaptureQueriesContext,
        override_settings,
        setup_test_environment,
        teardown_test_environment,
    )
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    print(__doc__.strip().splitlines()[0])
    setup_test_environment()
    old_name = settings.DATABASES["default"]["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(
        f"database: {connection.vendor} (test database {connection.settings_dict['NAME']}); "
        f"cache: {type(caches['default']).__name__}"
    )
    rows: list[tuple[str, float, float, int, int, str]] = []
    dump: dict[str, object] = {}
    try:
        user = get_user_model().objects.create_user("bench", password="bench-bench-bench")
        started = time.perf_counter()
        project = _build(user)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"built the data in {time.perf_counter() - started:.1f} s")
        _, token = AuthToken.objects.create(user=user)
        client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        plain_lists(project, user)
        base = f"/api/v1/projects/{project.pk}"
        lists = [
            ("tasks", f"{base}/tasks/", "/plain/tasks/"),
            ("risks", f"{base}/risks/", "/plain/risks/"),
            ("cost-entries", f"{base}/cost-entries/", "/plain/cost-entries/"),
            ("projects", "/api/v1/projects/", "/plain/projects/"),
        ]
        with override_settings(ROOT_URLCONF=URLCONF):
            for name, url, plain_url in lists:
                ours_url = f"{url}?page_size={PAGE}&page=2"
                plain_page = f"{plain_url}?page=2"

                def get(address: str) -> bytes:
                    response = client.get(address)
                    assert response.status_code == 200, (address, response.content[:300])
                    return response.content

                body = get(ours_url)
                assert len(json.loads(body)["results"]) == PAGE, name
                assert json.loads(get(plain_page))["count"] == json.loads(body)["count"], name
                # Counted at once: a later request clears the connection's query log.
                with CaptureQueriesContext(connection) as captured:
                    get(ours_url)
                ours_queries = len(captured)
                with CaptureQueriesContext(connection) as captured:
                    get(plain_page)
                plain_queries = len(captured)
                if os.environ.get("LISTS_QUERIES"):
                    with CaptureQueriesContext(connection) as captured:
                        get(ours_url)
                    print(name, *(q["sql"][:300] for q in captured), sep="\n  ")
                if os.environ.get("LISTS_PROFILE"):
                    _profile(lambda u=ours_url: get(u), name)
                    _profile(lambda u=plain_page: get(u), f"{name}, plain DRF")
                ours, plain = best_of_each(lambda u=ours_url: get(u), lambda u=plain_page: get(u))
                rows.append((name, ours, plain, ours_queries, plain_queries, _digest(body)))
                dump[name] = json.loads(body)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    if path := os.environ.get("LISTS_DUMP"):
        with open(path, "w") as out:
            json.dump(dump, out, indent=1, sort_keys=True)
    print(
        f"{'list (100 rows)':<16} {'ours':>10} {'plain DRF':>10} {'ratio':>7} {'goal':>7}"
        f" {'queries':>8} {'plain q':>8}  json digest"
    )
    passed = True
    for name, ours, plain, queries, plain_queries, digest in rows:
        ratio = ours / plain
        ok = ratio <= GOAL_RATIO
        passed = passed and ok
        print(
            f"{name:<16} {ours * 1000:7.1f} ms {plain * 1000:7.1f} ms {ratio:6.2f}x"
            f" {'PASS' if ok else 'FAIL':>7} {queries:8d} {plain_queries:8d}  {digest}"
        )
    print(
        f"{'PASS' if passed else 'FAIL'}: every list within {GOAL_RATIO:.2f}x of plain DRF's time "
        f"({connection.vendor})"
    )
    return passed
