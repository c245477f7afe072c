"""Applying a project's levelling on the worker (DESIGN §6): the page's Apply queues a job and
redirects to ``?job=<token>`` on the levelling page, which polls until the worker has taken the
"Before levelling" baseline and moved the tasks, then shows what it did, or why it refused (a
stale preview, nothing to level).

The same for the levelling across the projects a manager manages: the portfolio page's Apply
queues a job bound to its user, and ``?job=<token>`` on the portfolio levelling page polls.

The job lives in the cache, bound to its user and project, like the Gantt print jobs
(``interchange.printing``). The worker goes through the access door again (a manager of an
open project) and checks the preview's fingerprint under the project lock
(``levelling_apply``), so a job run twice refuses the second time: its plan is no longer the
one the preview showed.
"""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from budgets.services.levelling import LevellingPlan, levelling_apply, levelling_preview
from budgets.services.portfolio_levelling import portfolio_levelling_apply
from projects.models import Project, Role
from projects.queue import enqueue_on_commit
from projects.selectors import get_project_for

__all__ = [
    "STALE_PREVIEW",
    "levelling_job",
    "levelling_job_run",
    "levelling_job_start",
    "plan_fingerprint",
    "portfolio_job",
    "portfolio_job_run",
    "portfolio_job_start",
]

JOB_SECONDS = 60 * 60  # how long a finished job's outcome stays to be read
JOB_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
STALE_PREVIEW = (
    "The plan changed since your preview (someone edited the schedule): here is the new "
    "preview. Nothing was applied."
)


def plan_fingerprint(plan: LevellingPlan) -> str:
    """The moves a preview showed, so Apply can tell when the plan changed in between."""
    return ",".join(f"{m.task_id}:{m.to_start.isoformat()}" for m in plan.moves)


def _job_key(token: str) -> str:
    return f"budgets:levelling-job:{token}"


def levelling_job_start(project: Project, user, *, allow_past_float: bool, fingerprint: str) -> str:
    """Queue the levelling of ``project`` as previewed (``fingerprint``); returns the job's
    token. The worker starts once the request's transaction commits."""
    token = secrets.token_urlsafe(18)
    state = {
        "user": user.pk,
        "project": project.pk,
        "allow_past_float": allow_past_float,
        "done": False,
        "error": "",
        "moved": 0,
        "finish": None,
        "baseline_id": None,
        "baseline_name": "",
    }
    cache.set(_job_key(token), state, JOB_SECONDS)
    enqueue_on_commit(
        "budgets.tasks.apply_levelling", token, project.pk, user.pk, allow_past_float, fingerprint
    )
    return token


def levelling_job_run(
    *, token: str, project_id: int, user_id: int, allow_past_float: bool, fingerprint: str
) -> None:
    """The worker's part: apply the levelling the preview showed, as its user, and keep the
    outcome (moves, finish, baseline) or the refusal with the job."""
    state = cache.get(_job_key(token))
    if state is None or state["done"]:
        return  # expired, never started, or already done: nothing to apply again
    user = get_user_model().objects.get(pk=user_id)
    try:
        project = get_project_for(user, project_id, need=Role.MANAGER)
        preview = levelling_preview(project=project, allow_past_float=allow_past_float)
        if plan_fingerprint(preview) != fingerprint:
            raise ValidationError(STALE_PREVIEW)
        result = levelling_apply(project=project, by=user, plan=preview)
    except ValidationError as error:
        state["error"] = " ".join(error.messages)
    except (Http404, PermissionDenied):
        state["error"] = "You may no longer level this project. Nothing was applied."
    else:
        state["moved"] = sum(1 for m in result.moves if m.levelled)
        state["finish"] = result.finish_after
        state["baseline_id"] = result.baseline.pk
        state["baseline_name"] = result.baseline.name
    state["done"] = True
    cache.set(_job_key(token), state, JOB_SECONDS)


def levelling_job(project: Project, user, token: str) -> dict | None:
    """The job ``token`` of this user on this project (``done`` False while the worker levels),
    or None: unknown, expired, or someone else's."""
    valid = bool(token) and len(token) <= 64 and JOB_TOKEN.fullmatch(token) is not None
    state = cache.get(_job_key(token)) if valid else None
    if not state or state["user"] != user.pk or state["project"] != project.pk:
        return None
    return state


# --- across the projects I manage -----------------------------------------------------------------


def _portfolio_key(token: str) -> str:
    return f"budgets:portfolio-levelling-job:{token}"


def portfolio_job_start(
    user, *, project_ids: list[int] | None, allow_past_float: bool, fingerprint: str
) -> str:
    """Queue the levelling across ``project_ids`` (None: every project ``user`` manages) as
    previewed (``fingerprint``); returns the job's token."""
    token = secrets.token_urlsafe(18)
    state = {
        "user": user.pk,
        "project_ids": project_ids,
        "allow_past_float": allow_past_float,
        "done": False,
        "error": "",
        "applied": [],
    }
    cache.set(_portfolio_key(token), state, JOB_SECONDS)
    enqueue_on_commit(
        "budgets.tasks.apply_portfolio_levelling",
        token,
        user.pk,
        project_ids,
        allow_past_float,
        fingerprint,
    )
    return token


def portfolio_job_run(
    *,
    token: str,
    user_id: int,
    project_ids: list[int] | None,
    allow_past_float: bool,
    fingerprint: str,
) -> None:
    """The worker's part: level the projects together and apply the plan project by project
    (``portfolio_levelling_apply``, which checks the fingerprint and the managers' rights),
    keeping each project's moves and baseline, or the refusal, with the job."""
    state = cache.get(_portfolio_key(token))
    if state is None or state["done"]:
        return
    user = get_user_model().objects.get(pk=user_id)
    try:
        result = portfolio_levelling_apply(
            user=user,
            project_ids=project_ids,
            allow_past_float=allow_past_float,
            fingerprint=fingerprint,
        )
    except ValidationError as error:
        state["error"] = " ".join(error.messages)
    except (Http404, PermissionDenied):
        state["error"] = "You may no longer level one of these projects. Nothing was applied."
    else:
        state["applied"] = [
            {
                "project_id": entry.project.pk,
                "key": entry.project.key,
                "moved": len(entry.levelled),
                "baseline_id": entry.baseline.pk,
                "baseline_name": entry.baseline.name,
            }
            for entry in result.applied
        ]
    state["done"] = True
    cache.set(_portfolio_key(token), state, JOB_SECONDS)


def portfolio_job(user, token: str) -> dict | None:
    """The portfolio levelling job ``token`` of ``user``, or None: unknown, expired, or
    someone else's."""
    valid = bool(token) and len(token) <= 64 and JOB_TOKEN.fullmatch(token) is not None
    state = cache.get(_portfolio_key(token)) if valid else None
    if not state or state["user"] != user.pk:
        return None
    return state
