from django.apps import AppConfig
from django.db.models.signals import post_delete


class StakeholdersConfig(AppConfig):
    name = "stakeholders"

    def ready(self) -> None:
        from projects.approval_subjects import when_registered
        from projects.demo import register_demo_seeder
        from projects.models import ChangeRequest, Deliverable
        from projects.records import register_record_kind
        from projects.signals import decision_gate
        from stakeholders import demo, receivers
        from stakeholders.models import ActionItem, Decision, Meeting

        decision_gate.connect(receivers.hold_decision, dispatch_uid="stakeholders.hold_decision")
        register_demo_seeder("stakeholders", demo.seed, order=2)
        register_record_kind(resource="meetings", model=Meeting)
        register_record_kind(resource="decisions", model=Decision)
        register_record_kind(resource="action-items", model=ActionItem)

        def forget_approvals_of(model) -> None:
            post_delete.connect(
                receivers.forget_approvals,
                sender=model,
                dispatch_uid=f"stakeholders.forget_approvals.{model._meta.label}",
            )

        forget_approvals_of(Deliverable)
        forget_approvals_of(ChangeRequest)
        # What apps beside stakeholders register (scheduling's stage gates), never imported here.
        when_registered(lambda subject: forget_approvals_of(subject.model))
