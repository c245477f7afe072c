"""Closing a project (DESIGN §4 "Closure"): the checklist, the sponsor's sign-off through an
Approval, reopening, and the post-implementation review.

Every write is a keyword-only function run in a transaction under the project's row lock, called
alike by the pages, the API and the approval receiver. The project reaches stage ``closed`` only
through ``closure_signed_off``, which the receiver of the sponsor's approval calls: nobody can
sign off by hand.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from projects import clock
from projects.events import record_event
from projects.models import Membership, Objective, Project, ProjectTemplate, Role
from projects.pdf import PdfUnavailable, html_to_pdf
from projects.queue import enqueue_on_commit
from projects.services.common import (
    check_manager,
    lock_project,
    locked_current,
    save_versioned,
    versioned_update,
)
from projects.site import absolute_url
from reports.models import (
    BenefitRealisation,
    Closure,
    ClosureItem,
    PostImplementationReview,
)
from reports.selectors import closure as closure_selectors
from reports.services.kpi import kpi_snapshot_freeze, kpi_snapshot_thaw
from stakeholders.models import Approval, Stakeholder
from stakeholders.selectors import weekly_report_recipients
from stakeholders.services.approvals import approval_request, approval_withdraw

logger = logging.getLogger(__name__)

# The items Charter decides itself (always part of a checklist): (rule, title, help text).
COMPUTED_ITEMS = [
    (
        "work_complete",
        "All work complete or explicitly cancelled",
        "Decided by Charter from the tasks: each done or at 100 %, or the work left cancelled by "
        "a manager, who says why.",
    ),
    (
        "deliverables_accepted",
        "Every deliverable accepted",
        "Decided by Charter from the deliverables' status.",
    ),
    ("issues_closed", "No open issues", "Decided by Charter from the issue log."),
    (
        "change_requests_decided",
        "No change request waiting for a decision",
        "Decided by Charter from the change log.",
    ),
    (
        "commitments_closed",
        "Contracts and purchase orders closed",
        "Decided by Charter from the open commitments in the budget.",
    ),
]

# Items people tick, for every project: (title, help text).
COMMON_ITEMS = [
    (
        "Open risks closed or handed over",
        "Each live risk closed, or handed to its operational owner (say to whom in the note).",
    ),
    (
        "Budget reconciled (actuals final)",
        "Every invoice booked, accruals released; the actual cost is final.",
    ),
    ("Resources released", "People and equipment returned to their line managers or pools."),
    (
        "Documentation and credentials handed over and archived",
        "Where the documents are archived; accounts and secrets rotated or handed over.",
    ),
    ("Support hand-over done", "Operations or the service desk accepted the support."),
]

# Extra manual items by project type, when the project's template defines none.
TYPE_ITEMS: dict[str, list[tuple[str, str]]] = {
    Project.Type.SOFTWARE: [
        (
            "Hypercare finished and backlog handed to the product team",
            "Remaining backlog items and known defects owned by the team that runs the product.",
        ),
    ],
    Project.Type.INFRASTRUCTURE: [
        (
            "Old systems decommissioned and CMDB updated",
            "Retired hardware disposed of, licences cancelled, configuration items current.",
        ),
    ],
    Project.Type.CYBERSECURITY: [
        (
            "Residual risks accepted by the risk owner",
            "The security risks left open, signed for by whoever owns them now.",
        ),
    ],
    Project.Type.DIGITAL_TRANSFORMATION: [
        (
            "Benefit owners confirmed for the post-implementation review",
            "Who measures each objective's benefit after closure.",
        ),
    ],
}

REASON_MAX = 90  # the history keeps 100 characters of a reason, with "Reopened: " before it


def template_checklist(project: Project) -> list[dict[str, str]] | None:
    """The manual items of the project's template: the newest template of the project's type
    (one of the same methodology first) whose content has a ``closure_checklist``. Projects do
    not record which template they came from, so the type stands for it."""
    templates = ProjectTemplate.objects.filter(type=project.type).order_by("-created_at", "-id")
    candidates = sorted(templates, key=lambda t: t.methodology != project.methodology)
    for template in candidates:
        items = (template.content or {}).get("closure_checklist")
        if items:
            return [
                {"title": i, "help_text": ""}
                if isinstance(i, str)
                else {"title": i["title"], "help_text": i.get("help_text", "")}
                for i in items
            ]
    return None


def default_checklist(project: Project) -> list[dict[str, str]]:
    """Computed items first, then the template's manual items or the defaults for the type."""
    manual = template_checklist(project)
    if manual is None:
        manual = [
            {"title": title, "help_text": help_text}
            for title, help_text in COMMON_ITEMS + TYPE_ITEMS.get(project.type, [])
        ]
    computed = [
        {"title": title, "help_text": help_text, "rule": rule}
        for rule, title, help_text in COMPUTED_ITEMS
    ]
    seen: set[str] = set()
    result = []
    for item in computed + manual:
        title = item["title"].strip()[:200]
        if title and title.lower() not in seen:
            seen.add(title.lower())
            result.append({**item, "title": title})
    return result


def _stage_by(project: Project, *, stage: str, by: AbstractBaseUser, reason: str = "") -> None:
    project.stage = stage
    project.version = F("version") + 1  # open project forms are now stale (DESIGN §3)
    project._history_user = by
    if reason:
        project._change_reason = reason
    project.save(update_fields=["stage", "version", "updated_at"])
    project.refresh_from_db(fields=["version"])


@transaction.atomic
def closure_start(*, project: Project, by: AbstractBaseUser) -> Closure:
    """Start closing the project: stage ``closing`` and the checklist from its template (or the
    defaults of its type). Starting again returns the same closure, unchanged. The caller's
    ``project`` reads the stage after the write (an answer built from it says "closing")."""
    given, project = project, lock_project(project)
    existing = Closure.objects.filter(project=project).first()
    if existing is not None:
        given.stage, given.version = project.stage, project.version
        return existing
    if project.is_closed:
        raise ValidationError({"stage": f"{project.key} is already closed."})
    closure = Closure(project=project, started_at=timezone.now(), started_by=by)
    closure._history_user = by
    closure.save()
    ClosureItem.objects.bulk_create(
        ClosureItem(
            closure=closure,
            position=position,
            title=item["title"],
            help_text=item.get("help_text", "")[:500],
            rule=item.get("rule", ""),
        )
        for position, item in enumerate(default_checklist(project), start=1)
    )
    if project.stage != Project.Stage.CLOSING:
        _stage_by(project, stage=Project.Stage.CLOSING, by=by)
    given.stage, given.version = project.stage, project.version
    return closure


def _refuse_unless_open(closure: Closure, doing: str) -> None:
    if closure.status == Closure.Status.AWAITING_SIGN_OFF:
        raise ValidationError(
            {
                "status": f"The closure is waiting for the sponsor's sign-off; withdraw the "
                f"submission before you {doing}."
            }
        )
    if closure.status == Closure.Status.SIGNED_OFF:
        raise ValidationError(
            {"status": f"The closure is signed off; reopen the project before you {doing}."}
        )


@transaction.atomic
def closure_item_tick(
    *,
    item: ClosureItem,
    by: AbstractBaseUser,
    done: bool,
    note: str | None = None,
    version: int | None = None,
) -> ClosureItem:
    """Tick (or untick) an item people decide, with an optional note; computed items refuse."""
    closure = Closure.objects.select_for_update().get(pk=item.closure_id)
    _refuse_unless_open(closure, "change the checklist")
    if item.is_computed:
        raise ValidationError(
            {
                "done": f"“{item.title}” is decided by Charter from the project's data; "
                "fix the data rather than ticking it."
            }
        )
    current = locked_current(item, version)
    current.done = done
    current.done_by = by if done else None
    current.done_at = timezone.now() if done else None
    if note is not None:
        current.note = note.strip()
    return save_versioned(current, by)


WORK_RULE = "work_complete"


@transaction.atomic
def closure_work_cancel(
    *, closure: Closure, by: AbstractBaseUser, reason: str, cancel: bool = True
) -> ClosureItem:
    """A manager cancels the work left (tasks not done nor at 100 %), saying why, so the
    "All work complete or explicitly cancelled" item holds; or takes the cancellation back
    (``cancel=False``). Tasks have no cancelled state: the decision is kept on the item (who,
    when, why) and covers the tasks open at that moment; the tasks themselves are not changed,
    so the plan still shows what was never finished."""
    project = lock_project(closure.project)
    check_manager(project, by, "cancel the work left")
    current = Closure.objects.select_for_update().get(pk=closure.pk)
    _refuse_unless_open(current, "change the checklist")
    item = ClosureItem.objects.select_for_update().filter(closure=current, rule=WORK_RULE).first()
    if item is None:
        raise ValidationError({"work": "This checklist has no item for the work left."})
    reason = (reason or "").strip()
    if cancel:
        if not reason:
            raise ValidationError({"reason": "Say why the work left is cancelled."})
        if closure_selectors.evaluate_rule(project, WORK_RULE).done:
            raise ValidationError({"reason": "Every task is complete: there is nothing to cancel."})
    item.done = cancel
    item.done_by = by if cancel else None
    item.done_at = timezone.now() if cancel else None
    item.note = reason if cancel else ""
    return save_versioned(item, by)


@transaction.atomic
def closure_update(
    *, closure: Closure, by: AbstractBaseUser, version: int | None, **changes: Any
) -> Closure:
    """Edit the narrative and the weeks until the post-implementation review (versioned)."""
    current = Closure.objects.select_for_update().get(pk=closure.pk)
    _refuse_unless_open(current, "edit the closure")
    if "narrative" in changes and changes["narrative"] is not None:
        changes["narrative"] = changes["narrative"].strip()
    return versioned_update(
        closure, by=by, version=version, allowed=("narrative", "pir_weeks"), changes=changes
    )


def sponsor_candidates(project: Project) -> list[Stakeholder]:
    """Stakeholders with a Charter account who are members (so they can approve), the ones
    titled sponsor, or named as the project's sponsor, first (two queries)."""
    member_ids = set(Membership.objects.filter(project=project).values_list("user_id", flat=True))
    rows = [
        s
        for s in Stakeholder.objects.filter(project=project, user__isnull=False)
        .select_related("user")
        .order_by("name", "id")
        if s.user_id in member_ids
    ]
    sponsor_name = project.sponsor.strip().lower()

    def rank(s: Stakeholder) -> int:
        if sponsor_name and s.name.strip().lower() == sponsor_name:
            return 0
        return 1 if "sponsor" in s.title.lower() else 2

    return sorted(rows, key=rank)


@transaction.atomic
def closure_submit(
    *,
    closure: Closure,
    by: AbstractBaseUser,
    sponsor: Stakeholder | None = None,
    approver: AbstractBaseUser | None = None,
    note: str = "",
) -> Closure:
    """Freeze the closure report and ask the sponsor to sign it off (an Approval of kind
    ``project_closure``). Refused while any item, computed or ticked, is open."""
    project = lock_project(closure.project)
    current = Closure.objects.select_for_update().get(pk=closure.pk)
    current.project = project
    _refuse_unless_open(current, "submit it again")
    rows = closure_selectors.checklist(current)
    still_open = closure_selectors.open_items(rows)
    if still_open:
        listed = "; ".join(
            f"{row.item.title}{f' ({row.sentence.rstrip(chr(46))})' if row.is_computed else ''}"
            for row in still_open
        )
        items = "item" if len(still_open) == 1 else "items"
        raise ValidationError(
            {"checklist": f"{len(still_open)} checklist {items} still open: {listed}."}
        )
    if sponsor is None and approver is None:
        raise ValidationError({"sponsor": "Choose the sponsor who signs the closure off."})
    chosen = sponsor.user if sponsor is not None else approver
    if chosen is not None and chosen.pk == by.pk:
        raise ValidationError(
            {"sponsor": "The sponsor signs the closure off, not the manager who submits it."}
        )
    approval = approval_request(
        project=project,
        by=by,
        subject=project,
        approver=approver,
        stakeholder=sponsor,
        note=note or "Please review the closure report and sign the project off.",
    )
    current.report = closure_selectors.closure_report(current, as_of=project.today())
    current.status = Closure.Status.AWAITING_SIGN_OFF
    current.submitted_at = timezone.now()
    current.approval = approval
    return save_versioned(current, by)


@transaction.atomic
def closure_withdraw(*, closure: Closure, by: AbstractBaseUser) -> Closure:
    """Take the submission back (the sponsor has not decided yet): the checklist opens again."""
    lock_project(closure.project)
    current = (
        Closure.objects.select_for_update(of=("self",))
        .select_related("approval")
        .get(pk=closure.pk)
    )
    if current.status != Closure.Status.AWAITING_SIGN_OFF:
        raise ValidationError({"status": "The closure is not waiting for sign-off."})
    if current.approval is not None and current.approval.is_pending:
        approval_withdraw(approval=current.approval, by=by)
    current.status = Closure.Status.OPEN
    return save_versioned(current, by)


def closure_decided(
    *, approval: Approval, outcome: str, by: AbstractBaseUser, comment: str = ""
) -> Closure | None:
    """The sponsor decided (called by the receiver, inside the approval's transaction): approved
    signs the closure off and closes the project; rejected opens the checklist again, the
    sponsor's comment kept on the approval. Approvals other than the closure's latest are no
    sign-off and change nothing."""
    closure = (
        Closure.objects.select_for_update()
        .filter(approval_id=approval.pk, status=Closure.Status.AWAITING_SIGN_OFF)
        .first()
    )
    if closure is None:
        return None
    project = lock_project(closure.project)
    if outcome == "approved":
        now = timezone.now()
        closure.status = Closure.Status.SIGNED_OFF
        closure.signed_off_at = now
        closure = save_versioned(closure, by)
        due_on = project.today() + datetime.timedelta(weeks=closure.pir_weeks)
        PostImplementationReview.objects.update_or_create(
            project=project, defaults={"due_on": due_on, "reminded_at": None}
        )
        # The figures at sign-off stay the project's figures: marked final, never refreshed.
        kpi_snapshot_freeze(project=project, as_of=project.today())
        _stage_by(project, stage=Project.Stage.CLOSED, by=by, reason="Closure signed off")
        record_event(
            "project.closed",
            project=project,
            target=project,
            actor=by,
            data={"signed_off_at": now, "approval": approval.pk, "comment": comment},
        )
        enqueue_on_commit("reports.tasks.closure.send_closure_report", closure.pk)
        return closure
    closure.status = Closure.Status.OPEN
    return save_versioned(closure, by)


@transaction.atomic
def closure_reopen(*, project: Project, by: AbstractBaseUser, reason: str) -> Closure:
    """A manager reopens a closed project (reason required): stage back to ``closing``, the
    closure open again, recorded in the project's history with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the project is reopened."})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": f"Keep the reason to {REASON_MAX} characters; it goes into the history."}
        )
    project = lock_project(project)
    check_manager(project, by, "reopen it")
    if not project.is_closed:
        raise ValidationError({"stage": f"{project.key} is not closed."})
    closure = Closure.objects.select_for_update().filter(project=project).first()
    _stage_by(project, stage=Project.Stage.CLOSING, by=by, reason=f"Reopened: {reason}")
    if closure is None:  # closed by an admin without a closure: start one now
        return closure_start(project=project, by=by)
    closure.status = Closure.Status.OPEN
    closure.signed_off_at = None
    closure._change_reason = f"Reopened: {reason}"
    # The post-implementation review belongs to a closure; the next sign-off schedules it anew.
    PostImplementationReview.objects.filter(project=project, held_on__isnull=True).delete()
    kpi_snapshot_thaw(project=project)  # the project moves again: its KPIs refresh again
    return save_versioned(closure, by)


@transaction.atomic
def review_record(
    *,
    project: Project,
    by: AbstractBaseUser,
    held_on: datetime.date,
    summary: str,
    benefits: dict[int, tuple[Decimal | None, str]],
    version: int | None = None,
) -> PostImplementationReview:
    """Record the post-implementation review: when it was held, its summary, and per objective
    the value its measure realised (``benefits`` maps objective id → (value, note))."""
    lock_project(project)
    review = PostImplementationReview.objects.filter(project=project).first()
    if review is None:
        raise ValidationError(
            {"held_on": "The review is scheduled once the closure is signed off."}
        )
    if held_on > project.today():
        raise ValidationError({"held_on": "A review is recorded once held, not in the future."})
    objectives = {o.pk: o for o in Objective.objects.filter(project=project)}
    unknown = set(benefits) - set(objectives)
    if unknown:
        raise ValidationError({"benefits": f"That belongs to another project, not {project.key}."})
    current = locked_current(review, version)
    current.held_on = held_on
    current.summary = summary.strip()
    current.recorded_by = by
    current = save_versioned(current, by)
    for objective_id, (value, note) in benefits.items():
        if value is None and not note.strip():
            BenefitRealisation.objects.filter(review=current, objective_id=objective_id).delete()
            continue
        BenefitRealisation.objects.update_or_create(
            review=current,
            objective_id=objective_id,
            defaults={"realised_value": value, "note": note.strip()},
        )
    return current


def reviews_to_remind() -> list[PostImplementationReview]:
    """Reviews not held nor reminded whose due day has come somewhere on Earth; the reminder
    checks each against today in its project's time zone (one query)."""
    latest = clock.today() + datetime.timedelta(days=1)
    return list(
        PostImplementationReview.objects.filter(
            due_on__lte=latest, reminded_at__isnull=True, held_on__isnull=True
        ).order_by("due_on", "id")
    )


# --- e-mail ---------------------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return absolute_url(path)


def closure_report_pdf(closure: Closure, report: dict[str, Any]) -> bytes:
    """The closure report's PDF: the print template through the one PDF path."""
    html = render_to_string(
        "reports/closure/report_print.html",
        {"project": closure.project, "closure": closure, "report": report},
    )
    return html_to_pdf(html)


def closure_report_send(*, closure_id: int) -> list[str]:
    """E-mail the signed-off closure report (HTML, plain text, PDF attached) to the audience of
    the communication plan's weekly status report (there is no closure-specific plan item; the
    people who followed the project weekly hear how it ended). Once: the recipients and time are
    kept in the report, and a second run sends nothing. Returns the addresses written to."""
    with transaction.atomic():
        closure = (
            Closure.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=closure_id, status=Closure.Status.SIGNED_OFF)
            .first()
        )
        if closure is None or closure.report.get("emailed_at"):
            return []
        project = closure.project
        recipients = [s.email for s in weekly_report_recipients(project)]
        if not recipients:
            logger.info("Closure report of %s: the plan names nobody to send it to.", project.key)
            return []
        report = closure.report
        context = {
            "project": project,
            "closure": closure,
            "report": report,
            "url": _site_url(reverse("reports:closure_report", args=[project.pk])),
        }
        message = EmailMultiAlternatives(
            subject=f"[{project.key}] Closure report: {project.name} is closed",
            body=render_to_string("reports/closure/email_report.txt", context),
            to=recipients,
        )
        message.attach_alternative(
            render_to_string("reports/closure/email_report.html", context), "text/html"
        )
        try:
            message.attach(
                f"{project.key}-closure-report.pdf",
                closure_report_pdf(closure, report),
                "application/pdf",
            )
        except PdfUnavailable:  # the report still goes out; the page has the PDF once fixed
            logger.warning("Closure report of %s sent without its PDF.", project.key)
        message.send()
        report["emailed_at"] = timezone.now().isoformat()
        report["emailed_to"] = recipients
        Closure.objects.filter(pk=closure.pk).update(report=report)
    return recipients


def review_remind(*, review_id: int) -> bool:
    """Remind the project's managers that the post-implementation review is due: once, under the
    review's row lock, so two runs (or two workers) never both send. True when sent."""
    with transaction.atomic():
        review = (
            PostImplementationReview.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=review_id)
            .first()
        )
        if review is None or review.reminded_at is not None or review.held_on is not None:
            return False
        project = review.project
        if review.due_on > project.today():
            return False
        managers = [
            m.user
            for m in Membership.objects.filter(project=project, role=Role.MANAGER)
            .select_related("user")
            .order_by("user__username")
            if m.user.email and m.user.is_active
        ]
        if not managers:
            logger.warning("Review of %s is due but no manager has an e-mail.", project.key)
            return False
        context = {
            "project": project,
            "review": review,
            "url": _site_url(reverse("reports:closure", args=[project.pk])) + "#review",
        }
        send_mail(
            subject=f"[{project.key}] Post-implementation review due on {review.due_on:%d %b %Y}",
            message=render_to_string("reports/closure/email_review_reminder.txt", context),
            from_email=None,
            recipient_list=[u.email for u in managers],
        )
        review.reminded_at = timezone.now()
        review.save(update_fields=["reminded_at"])
    return True
