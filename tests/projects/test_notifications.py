"""The event source and its first consumer: notifications in Charter, by e-mail and by digest.

Events are recorded in the edit's transaction and fanned out after the commit (here: eager
tasks inside ``django_capture_on_commit_callbacks(execute=True)``, as the embedded default runs
them); e-mails go to a real SMTP server on loopback.
"""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from projects import mail as outbox
from projects import services as project_services
from projects.events import record_event
from projects.models import (
    ChangeRequest,
    Event,
    Membership,
    Notification,
    NotificationPreference,
    OutgoingMail,
    Profile,
    Role,
    Watch,
)
from projects.services import notifications as service
from risks import services as risk_services
from scheduling import services as schedule_services
from scheduling.models import Task
from scheduling.services.reminders import task_due_reminders_record
from stakeholders import services as stakeholder_services
from tests.factories import UserFactory

Reason = Notification.Reason
Channel = NotificationPreference.Channel


@pytest.fixture
def committed(eager_tasks, django_capture_on_commit_callbacks):
    """Run a write as if it committed: its queued tasks (event fan-out, e-mails) run in-process
    after it, as on the embedded default."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def notified(user) -> list[tuple[str, str]]:
    return [
        (n.event.type, n.reason)
        for n in Notification.objects.filter(recipient=user).select_related("event").order_by("pk")
    ]


# --- events and who hears of them ---------------------------------------------------------------


@pytest.mark.django_db
def test_assigning_a_task_tells_the_assignee_in_charter_and_by_email(
    project, manager, member, smtp_server, committed
):
    task = committed(
        schedule_services.task_create,
        project=project,
        by=manager,
        name="Cut-over",
        duration=3,
        owner=member,
    )
    event = Event.objects.get(type="task.assigned")
    assert (event.project_id, event.object_id, event.actor_id) == (project.pk, task.pk, manager.pk)
    assert event.data["assignee"] == member.pk
    assert notified(member) == [("task.assigned", Reason.ASSIGNED)]
    assert notified(manager) == []  # nobody is told of their own doing
    [(recipients, message)] = smtp_server.messages
    assert recipients == [member.email]
    assert message["Subject"] == f"[{project.key}] Task 'Cut-over' was assigned to you"
    assert "List-Unsubscribe" in message
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"/projects/{project.pk}/schedule/tasks/{task.pk}/" in body


@pytest.mark.django_db
def test_reassigning_tells_only_the_new_owner_and_an_unchanged_owner_tells_nobody(
    project, manager, member, viewer, committed
):
    task = committed(
        schedule_services.task_create, project=project, by=manager, name="Build", duration=2
    )
    assert not Event.objects.filter(type__endswith=".assigned").exists()  # nobody assigned
    task = committed(
        schedule_services.task_update, task=task, by=manager, version=None, owner=viewer
    )
    committed(schedule_services.task_update, task=task, by=manager, version=None, duration=4)
    assigned = Event.objects.filter(type__endswith=".assigned")
    assert list(assigned.values_list("type", "data__assignee")) == [("task.assigned", viewer.pk)]
    assert notified(viewer) == [("task.assigned", Reason.ASSIGNED)]
    assert notified(member) == []


@pytest.mark.django_db
def test_a_rolled_back_edit_records_no_event(project, manager, member):
    with pytest.raises(ValidationError):
        schedule_services.task_create(
            project=project, by=manager, name="Bad", duration=-1, owner=member
        )
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_risks_issues_and_action_items_tell_their_new_owner(project, manager, member, committed):
    committed(risk_services.risk_create, project=project, by=manager, title="Vendor", owner=member)
    committed(risk_services.issue_create, project=project, by=manager, title="Outage", owner=member)
    committed(
        stakeholder_services.action_item_create,
        project=project,
        by=manager,
        title="Call vendor",
        owner=member,
        due_date=datetime.date(2026, 3, 2),
    )
    assert notified(member) == [
        ("risk.assigned", Reason.ASSIGNED),
        ("issue.assigned", Reason.ASSIGNED),
        ("action_item.assigned", Reason.ASSIGNED),
    ]


@pytest.mark.django_db
def test_fan_out_runs_twice_and_tells_each_person_once(project, manager, member, smtp_server):
    event = record_event(
        "task.assigned", project=project, actor=manager, data={"assignee": member.pk}
    )
    service.fan_out([event.pk])
    service.fan_out([event.pk])  # a redelivered task, a sweeper's second hand
    assert Notification.objects.filter(recipient=member).count() == 1
    assert OutgoingMail.objects.filter(to=member.email).count() == 1


@pytest.mark.django_db
def test_only_current_members_hear_of_a_project(project, manager, outsider):
    event = record_event(
        "task.assigned", project=project, actor=manager, data={"assignee": outsider.pk}
    )
    service.fan_out([event.pk])
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_slipped_milestone_tells_every_member(project, manager, member, viewer, committed):
    build = committed(
        schedule_services.task_create, project=project, by=manager, name="Build", duration=5
    )
    milestone = committed(
        schedule_services.task_create,
        project=project,
        by=manager,
        name="Go-live",
        duration=0,
        predecessors=str(build.ref),
    )
    before = Task.objects.get(pk=milestone.pk).finish_date
    Event.objects.all().delete()
    committed(schedule_services.task_update, task=build, by=manager, version=None, duration=8)
    slipped = Event.objects.get(type="milestone.slipped")
    after = Task.objects.get(pk=milestone.pk).finish_date
    assert slipped.object_id == milestone.pk
    assert slipped.data["from"] == before.isoformat() and slipped.data["to"] == after.isoformat()
    assert Event.objects.filter(type="schedule.recomputed").count() == 1
    for person in (manager, member, viewer):
        assert ("milestone.slipped", Reason.MILESTONE) in notified(person)
    text = service.describe(slipped)
    assert text == f"Milestone 'Go-live' slipped to {after.isoformat()}"


@pytest.mark.django_db
def test_a_milestone_moving_earlier_is_no_slip(project, manager, committed):
    build = committed(
        schedule_services.task_create, project=project, by=manager, name="Build", duration=5
    )
    committed(
        schedule_services.task_create,
        project=project,
        by=manager,
        name="Go-live",
        duration=0,
        predecessors=str(build.ref),
    )
    Event.objects.all().delete()
    committed(schedule_services.task_update, task=build, by=manager, version=None, duration=2)
    assert not Event.objects.filter(type="milestone.slipped").exists()


@pytest.mark.django_db
def test_approval_request_is_in_charter_and_its_own_email_only_once(
    project, manager, viewer, smtp_server, committed
):
    draft = project_services.change_request_create(project=project, by=manager, title="SSO")
    change = project_services.change_request_transition(
        change_request=draft, by=manager, to=ChangeRequest.Status.SUBMITTED
    )
    committed(
        stakeholder_services.approval_request,
        project=project,
        by=manager,
        subject=change,
        approver=viewer,
    )
    assert notified(viewer) == [("approval.requested", Reason.APPROVAL)]
    # One e-mail: the approval request with its decision link, not a second notification one.
    assert [to for to, _ in smtp_server.messages] == [[viewer.email]]
    assert OutgoingMail.objects.get().key.startswith("approval:")


# --- preferences --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "told", "emails"),
    [(Channel.OFF, 0, 0), (Channel.IN_APP, 1, 0), (Channel.DIGEST, 1, 0), (Channel.EMAIL, 1, 1)],
)
def test_a_persons_channel_is_honoured(project, manager, member, channel, told, emails):
    service.preferences_update(user=member, choices={Reason.ASSIGNED: channel})
    event = record_event(
        "task.assigned", project=project, actor=manager, data={"assignee": member.pk}
    )
    service.fan_out([event.pk])
    assert Notification.objects.filter(recipient=member).count() == told
    assert OutgoingMail.objects.count() == emails


@pytest.mark.django_db
def test_preferences_refuse_unknown_kinds_channels_and_zones(member):
    with pytest.raises(ValidationError) as refused:
        service.preferences_update(user=member, choices={"gossip": "email", "due": "sms"})
    assert set(refused.value.message_dict) == {"gossip", "due"}
    with pytest.raises(ValidationError):
        service.preferences_update(user=member, choices={}, time_zone="Mars/Olympus")
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_unsubscribe_link_turns_email_off_for_that_kind_only(project, manager, member):
    token = service.unsubscribe_token(member.pk, Reason.ASSIGNED)
    service.unsubscribe(token=token)
    prefs = service.preferences_of(member)
    assert prefs[Reason.ASSIGNED] == Channel.IN_APP
    assert prefs[Reason.MENTIONED] == Channel.EMAIL
    with pytest.raises(ValidationError):
        service.unsubscribe(token=token + "x")


# --- the daily digest ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_digest_goes_at_eight_in_the_persons_zone_once_a_day(project, manager, member, smtp_server):
    Profile.objects.create(user=member, time_zone="Asia/Tokyo")  # UTC+9
    service.preferences_update(user=member, choices={Reason.ASSIGNED: Channel.DIGEST})
    for name in ("Build", "Test"):
        event = record_event(
            "task.assigned",
            project=project,
            actor=manager,
            data={"assignee": member.pk},
        )
        Event.objects.filter(pk=event.pk).update(object_label=f"Task '{name}'")
    service.fan_out(list(Event.objects.values_list("pk", flat=True)))
    seven_tokyo = datetime.datetime(2026, 12, 7, 22, 0, tzinfo=datetime.UTC)  # 07:00 next day
    assert service.digests_send(now=seven_tokyo).people == 0
    eight_tokyo = seven_tokyo + datetime.timedelta(hours=1)
    run = service.digests_send(now=eight_tokyo)
    assert (run.people, run.notifications) == (1, 2)
    assert service.digests_send(now=eight_tokyo).people == 0  # nothing waits any more
    mail = OutgoingMail.objects.get()
    assert mail.key == f"digest:{member.pk}:2026-12-08" and mail.to == member.email
    assert "Task 'Build' was assigned to you" in mail.text
    assert "Task 'Test' was assigned to you" in mail.text
    assert outbox.mail_attempt(mail.pk) == "sent"
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_digest_query_count_does_not_grow_with_notifications(
    project, manager, django_assert_max_num_queries
):
    people = UserFactory.create_batch(30)
    Membership.objects.bulk_create(
        [Membership(project=project, user=person, role=Role.MEMBER) for person in people]
    )
    for _ in range(3):
        record_event("milestone.slipped", project=project, data={"to": "2026-12-24"})
    service.fan_out(list(Event.objects.values_list("pk", flat=True)))
    now = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)  # 08:00 in UTC (the site's)
    with django_assert_max_num_queries(12):
        run = service.digests_send(now=now)
    assert run.people == 33 and run.notifications == 99


# --- the fan-out's cost -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("members", [5, 60])
def test_fan_out_query_count_is_flat_in_the_number_of_members(
    project, manager, members, django_assert_max_num_queries
):
    people = UserFactory.create_batch(members)
    Membership.objects.bulk_create(
        [Membership(project=project, user=person, role=Role.MEMBER) for person in people]
    )
    for person in people[:3]:
        service.preferences_update(user=person, choices={Reason.MILESTONE: Channel.EMAIL})
    event = record_event("milestone.slipped", project=project, data={"to": "2026-12-24"})
    with django_assert_max_num_queries(10):
        run = service.fan_out([event.pk])
    assert run.notifications == members + 3 and run.emails == 3


# --- due reminders ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_due_tomorrow_is_told_once(project, manager, member, settings):
    task = schedule_services.task_create(
        project=project, by=manager, name="Report", duration=1, owner=member
    )
    task.refresh_from_db()
    # Freeze the clock the day before the task's finish, at noon in London.
    noon = datetime.datetime.combine(
        task.finish_date - datetime.timedelta(days=1), datetime.time(12), datetime.UTC
    )
    settings.CHARTER_NOW = noon.isoformat()
    Event.objects.all().delete()
    assert task_due_reminders_record() == 1
    assert task_due_reminders_record() == 0
    event = Event.objects.get()
    assert (event.type, event.data["when"], event.data["assignee"]) == (
        "task.due",
        "due tomorrow",
        member.pk,
    )
    assert service.describe(event) == "Task 'Report' is due tomorrow"


# --- the outbox: exactly once -------------------------------------------------------------------


@pytest.mark.django_db
def test_outbox_sends_a_key_once_whoever_asks(smtp_server, django_capture_on_commit_callbacks):
    first = outbox.mail_queue(key="k:1", to="a@example.com", subject="Hi", text="Hello")
    again = outbox.mail_queue(key="k:1", to="a@example.com", subject="Hi", text="Hello")
    assert first.pk == again.pk
    assert outbox.mail_attempt(first.pk) == "sent"
    assert outbox.mail_attempt(first.pk) == "already sent"
    assert len(smtp_server.messages) == 1
    _, message = smtp_server.messages[0]
    assert message["Message-ID"].startswith(f"<mail-{first.pk}@")


@pytest.mark.django_db
def test_outbox_retries_a_transient_failure_and_gives_up_on_a_permanent_one(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    mail = outbox.mail_queue(key="k:2", to="a@example.com", subject="Hi", text="Hello")
    with pytest.raises(OSError):
        outbox.mail_attempt(mail.pk)
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.RETRYING and mail.attempts == 1
    assert "Connection refused" in mail.last_error or mail.last_error
    assert outbox.mail_attempt(mail.pk, final=True) == "failed"
    mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.FAILED
    assert outbox.is_permanent(smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}))


@pytest.mark.django_db
def test_sweeper_requeues_stuck_mail_and_undispatched_events(project, settings):
    from projects.events import dispatch, events_requeue_undispatched

    mail = outbox.mail_queue(key="k:3", to="a@example.com", subject="Hi", text="Hello")
    event = record_event("schedule.recomputed", project=project, data={"to": "2026-12-24"})
    later = timezone.now() + datetime.timedelta(minutes=settings.REQUEUE_AFTER_MINUTES + 1)
    assert outbox.mail_requeue_stuck(now=later) == 1
    assert events_requeue_undispatched(now=later) == 1
    dispatch([event.pk])
    assert events_requeue_undispatched(now=later) == 0
    OutgoingMail.objects.filter(pk=mail.pk).update(status=OutgoingMail.Status.SENT)
    assert outbox.mail_requeue_stuck(now=later) == 0


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def told(project, manager, member):
    event = record_event(
        "task.assigned",
        project=project,
        actor=manager,
        data={"assignee": member.pk, "url": f"/projects/{project.pk}/"},
    )
    Event.objects.filter(pk=event.pk).update(object_label="Task 'Cut-over'")
    service.fan_out([event.pk])
    return Notification.objects.get(recipient=member)


@pytest.mark.django_db
def test_bell_counts_unread_and_the_list_opens_and_marks_read(client_for, member, told):
    client = client_for(member)
    bell = client.get(reverse("projects:notification_bell"))
    assert b'class="bell-count">1<' in bell.content
    page = client.get(reverse("projects:notifications"))
    assert "Task &#x27;Cut-over&#x27; was assigned to you" in page.content.decode()
    opened = client.get(reverse("projects:notification_open", args=[told.pk]))
    assert opened.status_code == 302 and opened["Location"] == f"/projects/{told.event.project_id}/"
    told.refresh_from_db()
    assert told.read_at is not None
    assert b"bell-count" not in client.get(reverse("projects:notification_bell")).content


@pytest.mark.django_db
def test_someone_elses_notification_is_404(client_for, manager, told):
    client = client_for(manager)
    assert client.get(reverse("projects:notification_open", args=[told.pk])).status_code == 404
    assert client.post(reverse("projects:notification_read", args=[told.pk])).status_code == 404


@pytest.mark.django_db
def test_a_former_member_no_longer_sees_the_projects_notifications(client_for, member, told):
    Membership.objects.filter(user=member).delete()
    page = client_for(member).get(reverse("projects:notifications"))
    assert b"Cut-over" not in page.content


@pytest.mark.django_db
def test_settings_page_saves_channels_and_time_zone(client_for, member):
    client = client_for(member)
    form = {reason: Channel.IN_APP for reason in Reason.values}
    form |= {Reason.MENTIONED: Channel.OFF, "time_zone": "Europe/Paris"}
    response = client.post(reverse("projects:notification_settings"), form)
    assert response.status_code == 302
    assert service.preferences_of(member)[Reason.MENTIONED] == Channel.OFF
    assert Profile.objects.get(user=member).time_zone == "Europe/Paris"
    bad = client.post(reverse("projects:notification_settings"), {**form, "time_zone": "Mars"})
    assert bad.status_code == 200 and b"Select a valid choice" in bad.content


@pytest.mark.django_db
def test_unsubscribe_page_changes_nothing_on_get_and_unsubscribes_on_post(client, member):
    token = service.unsubscribe_token(member.pk, Reason.ASSIGNED)
    url = reverse("projects:notifications_unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert service.preferences_of(member)[Reason.ASSIGNED] == Channel.EMAIL
    done = client.post(url)  # one click from the mail client: no session, no CSRF token
    assert done.status_code == 200 and b"no longer get e-mails" in done.content
    assert service.preferences_of(member)[Reason.ASSIGNED] == Channel.IN_APP
    assert client.post(url[:-3] + "xx/").status_code == 400


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_lists_reads_and_marks_my_notifications(api_for, member, manager, told):
    api = api_for(member)
    body = api.get("/api/v1/notifications/").json()
    [item] = body["results"]
    assert item["type"] == "task.assigned" and item["reason"] == "assigned"
    assert item["text"] == "Task 'Cut-over' was assigned to you" and item["is_read"] is False
    assert api.get("/api/v1/notifications/?unread=false").json()["results"] == []
    assert api.post(f"/api/v1/notifications/{told.pk}/read/").json()["is_read"] is True
    assert api.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    other = api_for(manager)
    assert other.post(f"/api/v1/notifications/{told.pk}/read/").status_code == 404


@pytest.mark.django_db
def test_api_preferences_read_and_write_with_clear_errors(api_for, member):
    api = api_for(member)
    assert api.get("/api/v1/notifications/preferences/").json()[Reason.ASSIGNED] == "email"
    changed = api.patch("/api/v1/notifications/preferences/", {"assigned": "digest"}, format="json")
    assert changed.status_code == 200 and changed.json()["assigned"] == "digest"
    refused = api.patch("/api/v1/notifications/preferences/", {"assigned": "fax"}, format="json")
    assert refused.status_code == 400 and "assigned" in refused.json()


# --- watching -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_watching_a_record_tells_me_of_its_events_until_i_stop(
    project, manager, viewer, client_for
):
    risk = risk_services.risk_create(project=project, by=manager, title="Vendor")
    client = client_for(viewer)  # a viewer may follow what they read
    url = reverse("projects:record_watch", args=[project.pk, "risks", risk.pk])
    page = f"/projects/{project.pk}/risks/{risk.pk}/"
    assert client.post(url, {"watch": "1", "next": page})["Location"] == page
    assert Watch.objects.filter(user=viewer, object_id=risk.pk).exists()
    event = record_event("risk.assigned", project=project, target=risk, actor=manager, data={})
    service.fan_out([event.pk])
    assert notified(viewer) == [("risk.assigned", Reason.WATCHING)]
    client.post(url, {"watch": "0"})
    assert not Watch.objects.exists()
    # Off-site "next" is not followed.
    assert client.post(url, {"watch": "1", "next": "https://evil.example/"})["Location"] == (
        f"/projects/{project.pk}/"
    )


@pytest.mark.django_db
def test_watch_button_shows_on_the_record_page(project, manager, member, client_for):
    risk = risk_services.risk_create(project=project, by=manager, title="Vendor")
    client = client_for(member)
    page = client.get(f"/projects/{project.pk}/risks/{risk.pk}/").content.decode()
    assert 'aria-pressed="false"' in page and ">Watch</button>" in page
    client.post(
        reverse("projects:record_watch", args=[project.pk, "risks", risk.pk]), {"watch": "1"}
    )
    page = client.get(f"/projects/{project.pk}/risks/{risk.pk}/").content.decode()
    assert 'aria-pressed="true"' in page


@pytest.mark.django_db
def test_watch_api_reads_and_sets_and_hides_foreign_records(
    project, manager, member, outsider, api_for
):
    risk = risk_services.risk_create(project=project, by=manager, title="Vendor")
    url = f"/api/v1/projects/{project.pk}/risks/{risk.pk}/watch/"
    api = api_for(member)
    assert api.get(url).json() == {"watching": False}
    assert api.put(url, {"watching": True}, format="json").json() == {"watching": True}
    assert api.get(url).json() == {"watching": True}
    assert api.put(url, {"watching": "maybe"}, format="json").status_code == 400
    assert api_for(outsider).get(url).status_code == 404
    other = risk_services.risk_create(
        project=Membership.objects.filter(user=outsider).first().project,
        by=outsider,
        title="Theirs",
    )
    foreign = f"/api/v1/projects/{project.pk}/risks/{other.pk}/watch/"
    assert api_for(member).put(foreign, {"watching": True}, format="json").status_code == 404
