"""Reminders of tasks due tomorrow or late since yesterday, through the event source."""

from __future__ import annotations

import datetime

from django.urls import reverse

from projects import clock
from projects.events import Due, due_reminders_record
from projects.models import Project
from scheduling.models import Task


def task_due_reminders_record() -> int:
    """Record ``task.due`` for every unfinished task with an owner whose finish is tomorrow or
    was yesterday in its project's time zone; how many were recorded."""
    today = clock.today(datetime.UTC)
    window = (today - datetime.timedelta(days=2), today + datetime.timedelta(days=2))
    rows = (
        Task.objects.filter(
            owner__isnull=False,
            percent_complete__lt=100,
            actual_finish__isnull=True,
            finish_date__range=window,
        )
        .exclude(project__stage=Project.Stage.CLOSED)
        .select_related("project")
        .only("pk", "name", "owner_id", "finish_date", "project__time_zone", "project__id")
    )
    return due_reminders_record(
        "task",
        (
            Due(
                target=task,
                project_id=task.project_id,
                time_zone=task.project.time_zone,
                assignee=task.owner_id,
                due=task.finish_date,
                url=reverse(
                    "scheduling:task_detail", kwargs={"pk": task.project_id, "task_pk": task.pk}
                ),
            )
            for task in rows
        ),
    )
