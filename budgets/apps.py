"""Money and people: budget lines, actual costs, resources, assignments, earned value."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class BudgetsConfig(AppConfig):
    name = "budgets"

    def ready(self) -> None:
        # The budgets app stands above projects and scheduling (DESIGN §1 floors): it reacts to
        # their saves instead of being called by them.
        from budgets import demo, receivers
        from budgets.models import TimesheetPart
        from budgets.services.timesheets import part_label, part_path
        from projects.approval_subjects import register_approval_subject
        from projects.demo import register_demo_seeder
        from projects.models import ChangeRequest
        from projects.signals import approval_decided
        from scheduling.models import Baseline, Task

        post_save.connect(
            receivers.baseline_saved, sender=Baseline, dispatch_uid="budgets.baseline"
        )
        post_save.connect(
            receivers.change_request_saved, sender=ChangeRequest, dispatch_uid="budgets.cr"
        )
        post_save.connect(receivers.task_saved, sender=Task, dispatch_uid="budgets.task")
        register_demo_seeder("budgets", demo.seed, order=3)
        # A person's hours on one project in a week, approved by that project's managers through
        # stakeholders' approvals (only ever asked for by ``timesheet_submit``: no candidates).
        register_approval_subject(
            kind="timesheet",
            model=TimesheetPart,
            prefix="timesheet",
            title="Timesheet",
            candidates=lambda project: TimesheetPart.objects.none(),
            label=part_label,
            url=part_path,
            select_related=("week__user",),
        )
        approval_decided.connect(
            receivers.timesheet_approval_decided, dispatch_uid="budgets.timesheet_decided"
        )
