"""Approvals: a sign-off asked of one person, decided once, by that person only.

An approval of a submitted deliverable or change request holds the scope decision: while it is
pending (or its approver rejected it) the deliverable cannot be accepted nor the change approved
by hand (``stakeholders.receivers.hold_decision`` on ``projects.signals.decision_gate``); a
manager's (or the requester's) rejection takes effect and withdraws the pending requests. Once
every approver approved, or as soon as one rejected, ``approval_decided`` tells projects, which
moves the subject by its own rules in the same transaction.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from projects.approval_subjects import approval_subjects
from projects.events import record_event
from projects.mail import mail_queue
from projects.models import ChangeRequest, Deliverable, Membership, Project, Role
from projects.queue import enqueue_on_commit
from projects.signals import approval_decided
from projects.site import absolute_url
from stakeholders.models import Approval, Stakeholder
from stakeholders.services.common import check_same_project, display_name

logger = logging.getLogger(__name__)

# What can be approved, by model label; the kinds of apps beside stakeholders (scheduling's Phase,
# a stage gate) are registered in projects.approval_subjects, never imported or named here.
SUBJECT_KINDS = {
    "projects.deliverable": Approval.Kind.DELIVERABLE_ACCEPTANCE,
    "projects.changerequest": Approval.Kind.CHANGE_REQUEST,
    "projects.project": Approval.Kind.PROJECT_CLOSURE,
}


def _subject_kind(subject: models.Model) -> str | None:
    kind = SUBJECT_KINDS.get(subject._meta.label_lower)
    if kind is None:
        kind = next((s.kind for s in approval_subjects() if isinstance(subject, s.model)), None)
    return kind


def subject_label(subject: models.Model) -> str:
    """How e-mails and messages name what is approved."""
    if isinstance(subject, ChangeRequest):
        return f"{subject.ref} {subject.title}"
    if isinstance(subject, Deliverable):
        return f"deliverable “{subject.name}”"
    if isinstance(subject, Project):
        return f"closure of {subject.key} {subject.name}"
    registered = next((s for s in approval_subjects() if isinstance(subject, s.model)), None)
    if registered is not None and registered.label is not None:
        return registered.label(subject)
    return f"stage gate “{subject}”"


def subject_url(subject: models.Model) -> str:
    """The page that shows what is approved, when its owner registered one (else "")."""
    registered = next((s for s in approval_subjects() if isinstance(subject, s.model)), None)
    if registered is None or registered.url is None:
        return ""
    return registered.url(subject)


def _subject_project_id(subject: models.Model) -> int:
    return subject.pk if isinstance(subject, Project) else subject.project_id


def _lock_subject(content_type_id: int, object_id: int) -> models.Model:
    """Lock the approved thing: requests and decisions about one subject queue behind it, so
    two approvers deciding at once both see each other's decision."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return model.objects.select_for_update().get(pk=object_id)


def live_approvals(subject: models.Model) -> list[Approval]:
    """The approvals that count for a subject: each approver's latest, withdrawn ones aside.

    Asking someone again after they rejected starts a new round for them; their old rejection
    stays in the history but no longer holds the subject."""
    latest: dict[int, Approval] = {}
    rows = (
        Approval.objects.for_subject(subject)
        .exclude(decision=Approval.Decision.WITHDRAWN)
        .select_related("approver")
        .order_by("requested_at", "id")
    )
    for approval in rows:
        latest[approval.approver_id] = approval
    return list(latest.values())


def _names(approvals: list[Approval]) -> str:
    return ", ".join(sorted(display_name(a.approver) for a in approvals))


# Decisions that need every approval approved; the others (reject, take back) only wait for
# pending ones.
POSITIVE_DECISIONS = frozenset({Deliverable.Status.ACCEPTED, ChangeRequest.Status.APPROVED})


def _may_withdraw(approval: Approval, by: AbstractBaseUser | None) -> bool:
    """Whoever asked for the approval, a manager of the project or a superuser may take it
    back (``approval_withdraw``'s rule)."""
    if by is None:
        return False
    if by.is_superuser or approval.requested_by_id == by.pk:
        return True
    return Membership.objects.filter(
        project_id=approval.project_id, user=by, role=Role.MANAGER
    ).exists()


def approval_hold_reason(subject: models.Model, to: str) -> str:
    """Why ``subject`` may not move to ``to`` yet because of its approvals, or ""."""
    live = live_approvals(subject)
    pending = [a for a in live if a.is_pending]
    name = subject_label(subject)
    if pending:
        hint = (
            "it moves on once they decide (or when the request is withdrawn)"
            if to in POSITIVE_DECISIONS
            else "only whoever asked for the approval, or a manager, can decide it before they do"
        )
        return f"{name[0].upper()}{name[1:]} is waiting for approval by {_names(pending)}; {hint}."
    rejected = [a for a in live if a.decision == Approval.Decision.REJECTED]
    if to in POSITIVE_DECISIONS and rejected:
        return (
            f"{_names(rejected)} rejected the approval of {name}; "
            "ask for a new approval before it can be "
            f"{'accepted' if isinstance(subject, Deliverable) else 'approved'}."
        )
    return ""


def _moved_words(subject: models.Model, to: str) -> str:
    """``to`` as a past tense about the subject: "rejected CR-001 Dark mode"."""
    name = subject_label(subject)
    if to == ChangeRequest.Status.REJECTED or to == Deliverable.Status.REJECTED:
        return f"rejected {name}"
    return f"took {name} back"


def approvals_settle(*, subject: models.Model, to: str, by: AbstractBaseUser | None) -> None:
    """Before a deliverable or change request leaves ``submitted``: refuse the move while its
    approvals say no (yet), or clear the way.

    A yes (accepted, approved) needs every approval in. A no (rejected, taken back) by someone
    who may withdraw the pending requests (their requester or a manager) takes effect: those
    requests are withdrawn automatically, each saying after whose decision, since there is
    nothing left for their approvers to approve. Anyone else waits (ValidationError)."""
    pending = [a for a in live_approvals(subject) if a.is_pending]
    if (
        pending
        and to not in POSITIVE_DECISIONS
        and all(_may_withdraw(approval, by) for approval in pending)
    ):
        now = timezone.now()
        comment = f"Withdrawn automatically after {display_name(by)} {_moved_words(subject, to)}."
        for approval in Approval.objects.filter(pk__in=[a.pk for a in pending]).select_for_update():
            approval.decision, approval.decided_at = Approval.Decision.WITHDRAWN, now
            approval.comment = comment
            approval._history_user = by
            approval.save(update_fields=["decision", "decided_at", "comment"])
        return
    if reason := approval_hold_reason(subject, to):
        raise ValidationError({"status": reason})


_OLD_AUTOMATIC = re.compile(r"^Withdrawn: (?P<name>.+) rejected it\.$")


def approval_outcome(approval: Approval) -> str:
    """The sentence that says how an approval ended, naming who acted: its approver for approved
    and rejected; for withdrawn, who withdrew it or whose rejection did."""
    on = ""
    if approval.decided_at:
        decided = timezone.localtime(approval.decided_at)
        on = f"On {decided.day} {decided:%b %Y}, "
    if approval.decision == Approval.Decision.WITHDRAWN:
        said = approval.comment.strip().rstrip(".") or "Withdrawn"
        if match := _OLD_AUTOMATIC.match(approval.comment.strip()):  # the wording before
            said = f"Withdrawn automatically after {match['name']} rejected"
        if on:
            said = f"{on}{said[0].lower()}{said[1:]}"
        return f"{said}; {display_name(approval.approver)} has nothing left to decide."
    if approval.is_pending:
        return f"Waiting for {display_name(approval.approver)}."
    verb = approval.get_decision_display().lower()
    return f"{on}{display_name(approval.approver)} {verb} it. A decision is final."


def _check_subject(project: Project, subject: models.Model) -> str:
    kind = _subject_kind(subject)
    if kind is None:
        raise ValidationError(
            {
                "subject": "Approvals are for deliverable acceptance, change requests, stage "
                "gates, project closure and timesheets."
            }
        )
    if _subject_project_id(subject) != project.pk:
        raise ValidationError({"subject": f"That belongs to another project, not {project.key}."})
    if isinstance(subject, Deliverable) and subject.status != Deliverable.Status.SUBMITTED:
        raise ValidationError(
            {
                "subject": f"“{subject.name}” is {subject.get_status_display().lower()}; "
                "submit it for acceptance before asking for its approval."
            }
        )
    if isinstance(subject, ChangeRequest) and subject.status != ChangeRequest.Status.SUBMITTED:
        raise ValidationError(
            {
                "subject": f"{subject.ref} is {subject.get_status_display().lower()}; "
                "only a submitted change request can be sent for approval."
            }
        )
    if isinstance(subject, Project) and subject.is_closed:
        raise ValidationError({"subject": f"{subject.key} is already closed."})
    return kind


def _resolve_approver(
    project: Project, approver: AbstractBaseUser | None, stakeholder: Stakeholder | None
) -> AbstractBaseUser:
    if stakeholder is not None:
        check_same_project(project, stakeholder, "stakeholder")
        if stakeholder.user is None:
            raise ValidationError(
                {
                    "stakeholder": f"{stakeholder.name} has no Charter account linked; link "
                    "their account in the register before asking them to approve."
                }
            )
        if approver is not None and approver.pk != stakeholder.user_id:
            raise ValidationError(
                {"approver": f"Choose {stakeholder.name} or another approver, not both."}
            )
        approver = stakeholder.user
    if approver is None:
        raise ValidationError({"approver": "Choose who approves."})
    if not Membership.objects.filter(project=project, user=approver).exists():
        raise ValidationError(
            {
                "approver": f"{display_name(approver)} is not a member of {project.key}; add "
                "them (a viewer can approve) so they can open what they approve."
            }
        )
    return approver


@transaction.atomic
def approval_request(
    *,
    project: Project,
    by: AbstractBaseUser,
    subject: models.Model,
    approver: AbstractBaseUser | None = None,
    stakeholder: Stakeholder | None = None,
    note: str = "",
) -> Approval:
    """Ask one person (a member, or a stakeholder with a linked account) to approve ``subject``.

    The approver is e-mailed a link once the request is committed. Asking for a submitted
    deliverable or change request holds its decision until the approvals are in."""
    kind = _check_subject(project, subject)
    approver = _resolve_approver(project, approver, stakeholder)
    content_type = ContentType.objects.get_for_model(subject)
    _lock_subject(content_type.pk, subject.pk)
    waiting = Approval.objects.for_subject(subject).pending().filter(approver=approver)
    if waiting.exists():
        raise ValidationError(
            {"approver": f"{display_name(approver)} already has this approval waiting."}
        )
    approval = Approval(
        project=project,
        kind=kind,
        content_type=content_type,
        object_id=subject.pk,
        approver=approver,
        stakeholder=stakeholder,
        note=note.strip(),
        requested_by=by,
        requested_at=timezone.now(),
    )
    approval.full_clean(validate_constraints=False)
    approval._history_user = by
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError:  # the same request from a second tab won the race
        raise ValidationError(
            {"approver": f"{display_name(approver)} already has this approval waiting."}
        ) from None
    enqueue_on_commit("stakeholders.tasks.send_approval_request", approval.pk)
    record_event(
        "approval.requested",
        project=project,
        target=approval,
        actor=by,
        data={"approver": approver.pk, "url": _approval_path(approval)},
    )
    return approval


@transaction.atomic
def approval_decide(
    *, approval: Approval, by: AbstractBaseUser, decision: str, comment: str = ""
) -> Approval:
    """The approver approves or rejects, once. Anyone else is refused (PermissionDenied).

    A rejection needs a comment. The subject moves (through ``approval_decided``) once every
    approver approved, or at the first rejection, which withdraws the other pending requests."""
    if decision not in (Approval.Decision.APPROVED, Approval.Decision.REJECTED):
        raise ValidationError({"decision": "Decide by approving or rejecting."})
    comment = comment.strip()
    if decision == Approval.Decision.REJECTED and not comment:
        raise ValidationError({"comment": "Say why you reject it."})
    subject = _lock_subject(approval.content_type_id, approval.object_id)
    current = Approval.objects.select_for_update().select_related("approver").get(pk=approval.pk)
    if current.approver_id != by.pk:
        raise PermissionDenied(
            f"Only {display_name(current.approver)} can decide this approval; "
            "it is addressed to them."
        )
    if not current.is_pending:
        when = timezone.localtime(current.decided_at).strftime("%d %b %Y %H:%M")
        raise ValidationError(
            {
                "decision": f"This approval was already {current.get_decision_display().lower()} "
                f"on {when}; a decision is final."
            }
        )
    now = timezone.now()
    current.decision, current.comment, current.decided_at = decision, comment, now
    current._history_user = by
    current.save(update_fields=["decision", "comment", "decided_at"])
    if decision == Approval.Decision.REJECTED:
        outcome = "rejected"
        for other in Approval.objects.for_subject(subject).pending().select_for_update():
            other.decision, other.decided_at = Approval.Decision.WITHDRAWN, now
            other.comment = f"Withdrawn automatically after {display_name(by)} rejected."
            other._history_user = by
            other.save(update_fields=["decision", "decided_at", "comment"])
    else:
        live = live_approvals(subject)
        done = all(a.decision == Approval.Decision.APPROVED for a in live)
        outcome = "approved" if done else None
    record_event(
        "approval.decided",
        project=current.project_id,
        target=current,
        actor=by,
        data={
            "requested_by": current.requested_by_id,
            "decision": decision,
            "outcome": outcome,
            "url": _approval_path(current),
        },
    )
    approval_decided.send(
        sender=Approval,
        approval=current,
        subject=subject,
        decision=decision,
        outcome=outcome,
        by=by,
        comment=comment,
    )
    return current


@transaction.atomic
def approval_withdraw(*, approval: Approval, by: AbstractBaseUser) -> Approval:
    """Take back a pending request: its requester or a manager of the project may."""
    current = Approval.objects.select_for_update().get(pk=approval.pk)
    is_manager = Membership.objects.filter(
        project_id=current.project_id, user=by, role=Role.MANAGER
    ).exists()
    if current.requested_by_id != by.pk and not is_manager and not by.is_superuser:
        raise PermissionDenied(
            "Only whoever asked for this approval, or a manager, can withdraw it."
        )
    if not current.is_pending:
        raise ValidationError(
            {"decision": f"This approval is already {current.get_decision_display().lower()}."}
        )
    current.decision, current.decided_at = Approval.Decision.WITHDRAWN, timezone.now()
    current.comment = f"Withdrawn by {display_name(by)}."
    current._history_user = by
    current.save(update_fields=["decision", "decided_at", "comment"])
    return current


# --- e-mail ---------------------------------------------------------------------------------------


def _approval_path(approval: Approval) -> str:
    try:
        return reverse(
            "stakeholders:approval", kwargs={"pk": approval.project_id, "approval_pk": approval.pk}
        )
    except NoReverseMatch:  # the pages are not routed yet: the path they will have
        return f"/projects/{approval.project_id}/approvals/{approval.pk}/"


def approval_url(approval: Approval) -> str:
    """The absolute link to the approval's page, for e-mails."""
    return absolute_url(_approval_path(approval))


def approval_notify(*, approval_id: int) -> bool:
    """E-mail the approver a link (HTML and plain text) through the exactly-once outbox
    (``projects.mail``); True when a message was queued.

    Safe to run twice: a request already notified, or no longer pending, sends nothing."""
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("project", "approver", "requested_by", "stakeholder")
            .filter(pk=approval_id)
            .order_by()
            .first()
        )
        if approval is None or approval.notified_at or not approval.is_pending:
            return False
        recipient = approval.approver.email or (
            approval.stakeholder.email if approval.stakeholder else ""
        )
        if not recipient:
            logger.warning("Approval %s: the approver has no e-mail address.", approval.pk)
            return False
        context = {
            "approval": approval,
            "project": approval.project,
            "subject_label": subject_label(approval.subject),
            "approver_name": display_name(approval.approver),
            "requested_by_name": display_name(approval.requested_by),
            "url": approval_url(approval),
        }
        mail_queue(
            key=f"approval:{approval.pk}",
            to=recipient,
            subject=f"[{approval.project.key}] Approval requested: {context['subject_label']}",
            text=render_to_string("stakeholders/email/approval_request.txt", context),
            html=render_to_string("stakeholders/email/approval_request.html", context),
        )
        approval.notified_at = timezone.now()
        approval.save(update_fields=["notified_at"])
    return True
