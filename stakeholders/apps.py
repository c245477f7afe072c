from django.apps import AppConfig
from django.db.models.signals import post_delete


class StakeholdersConfig(AppConfig):
    name = "stakeholders"

    def ready(self) -> None:
        from projects.signals import decision_gate
        from stakeholders import receivers

        decision_gate.connect(receivers.hold_decision, dispatch_uid="stakeholders.hold_decision")
        # Lazy labels: scheduling stands beside stakeholders, so its models are not imported.
        for label in ("projects.Deliverable", "projects.ChangeRequest", "scheduling.Phase"):
            post_delete.connect(
                receivers.forget_approvals,
                sender=label,
                dispatch_uid=f"stakeholders.forget_approvals.{label}",
            )
