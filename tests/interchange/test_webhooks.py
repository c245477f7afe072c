"""Signed webhooks: events delivered to a real HTTP receiver on loopback that checks the
signature, retries, redelivery, the test event, the SSRF guard, switching a failing endpoint
off, the consumer's idempotence and cost, and who may see and change webhooks."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from interchange import outbound, webhooks
from interchange.models import Webhook, WebhookDelivery
from interchange.tasks import deliver_webhook
from projects import services as project_services
from projects.events import dispatch, record_event
from projects.models import Event
from reports.models import KpiSnapshot
from reports.services.kpi import kpi_snapshot_refresh
from risks import services as risk_services
from scheduling import services as schedule_services
from tests.reports.closure_support import sign_off, sponsor_of

pytestmark = pytest.mark.django_db

SECRET = "whsec_test-secret-of-the-receiver"


class Receiver:
    """An HTTP server on loopback that keeps what it receives, checks each signature the way the
    README tells integrators to, and answers with the codes it is given (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.codes: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "verified": verify(self.headers["X-Charter-Signature"], body, SECRET),
                    }
                )
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"receiver says no " * 100)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/charter?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def bodies(self) -> list[dict]:
        return [request["body"] for request in self.requests]


def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The README's verification: the HMAC of "<t>.<body>" and a timestamp at most 5 minutes
    old."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(timezone.now().timestamp() - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def committed(eager_tasks, django_capture_on_commit_callbacks):
    """Run a write as if it committed: its queued tasks (event dispatch, deliveries) run
    in-process after it, as on the embedded default."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def hook(project, manager, receiver):
    return webhooks.webhook_create(
        project=project, by=manager, url=receiver.url, events=["*"], secret=SECRET
    )


# --- delivery -------------------------------------------------------------------------------------


def test_delivery_reaches_the_receiver_signed(project, manager, hook, receiver, committed):
    """A new task is POSTed to the endpoint once committed: the receiver checks the signature,
    and the body names the event, the project, the task with its dates, and who did it."""
    task = committed(
        schedule_services.task_create, project=project, by=manager, name="Cut-over", duration=3
    )
    assert [b["type"] for b in receiver.bodies] == ["task.created"]
    request = receiver.requests[0]
    assert request["verified"]
    event = Event.objects.get(type="task.created")
    body = request["body"]
    assert body["id"] == str(event.pk)
    assert body["project"] == {"id": project.pk, "key": project.key, "name": project.name}
    assert body["object"] == {"type": "task", "id": task.pk, "label": "Task 'Cut-over'"}
    assert body["actor"]["username"] == manager.username
    assert body["data"]["start"] == task.start_date.isoformat()
    assert body["data"]["finish"] == task.finish_date.isoformat()
    assert body["data"]["url"].startswith("http")
    assert datetime.datetime.fromisoformat(body["timestamp"]) == event.created_at
    assert request["headers"]["X-Charter-Event"] == "task.created"
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert request["headers"]["X-Charter-Delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.delivered_at is not None


def test_delivery_goes_only_to_endpoints_that_want_the_type(project, manager, receiver, committed):
    """An endpoint subscribed to risks hears of a new risk, not of a new task."""
    webhooks.webhook_create(
        project=project, by=manager, url=receiver.url, events=["risk.created"], secret=SECRET
    )
    committed(schedule_services.task_create, project=project, by=manager, name="Build")
    committed(risk_services.risk_create, project=project, by=manager, title="Vendor slips")
    assert [b["type"] for b in receiver.bodies] == ["risk.created"]


def test_delivery_retries_after_a_500_then_succeeds(project, manager, hook, receiver, committed):
    """A 500 leaves the delivery retrying a minute later; the next try succeeds with the same
    event id."""
    receiver.codes = [500]
    committed(risk_services.issue_create, project=project, by=manager, title="Outage")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("retrying", 500, 1)
    assert delivery.error == "HTTP 500"
    assert len(delivery.response_excerpt) == 1024
    wait = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(minutes=1)
    # Too early: nothing is sent.
    assert webhooks.webhook_delivery_attempt(delivery.pk) == "waiting"
    outcome = webhooks.webhook_delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    assert outcome == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 2)
    assert [b["id"] for b in receiver.bodies] == [delivery.event_uid] * 2
    assert all(request["verified"] for request in receiver.requests)


def test_delivery_to_a_refusing_receiver_fails_at_once(project, manager, hook, receiver, committed):
    """A 4xx (other than 408 and 429) is the receiver's answer for good: no retry."""
    receiver.codes = [410]
    committed(risk_services.issue_create, project=project, by=manager, title="Outage")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert (delivery.status, delivery.response_code, delivery.next_attempt_at) == (
        "failed",
        410,
        None,
    )


def test_delivery_gives_up_a_day_after_it_was_made(project, manager, hook, receiver, committed):
    """A receiver still failing a day on gets no more tries: the delivery fails."""
    receiver.codes = [503, 503]
    committed(risk_services.issue_create, project=project, by=manager, title="Outage")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=23, minutes=59)
    )
    webhooks.webhook_delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


def test_redeliver_repeats_the_event_id(project, manager, hook, receiver, committed, api_for):
    """Redelivering sends the same body again (same id) as a new delivery in the log."""
    committed(risk_services.issue_create, project=project, by=manager, title="Outage")
    first = WebhookDelivery.objects.get(webhook=hook)
    url = f"/api/v1/projects/{project.pk}/webhooks/{hook.pk}/deliveries/{first.pk}/redeliver/"
    response = committed(api_for(manager).post, url)
    assert response.status_code == 202, response.content
    assert response.json()["event_id"] == first.event_uid
    assert [b["id"] for b in receiver.bodies] == [first.event_uid] * 2
    deliveries = receiver.requests
    assert (
        deliveries[0]["headers"]["X-Charter-Delivery"]
        != deliveries[1]["headers"]["X-Charter-Delivery"]
    )
    log = api_for(manager).get(f"/api/v1/projects/{project.pk}/webhooks/{hook.pk}/deliveries/")
    rows = log.json()["results"]
    assert [(r["is_redelivery"], r["status"]) for r in rows] == [
        (True, "succeeded"),
        (False, "succeeded"),
    ]


def test_test_event_is_sent_now(project, manager, hook, receiver, committed, api_for):
    """ "Send test event" POSTs a webhook.test event, whatever the endpoint subscribed to."""
    Webhook.objects.filter(pk=hook.pk).update(events=["risk.created"])
    response = committed(
        api_for(manager).post, f"/api/v1/projects/{project.pk}/webhooks/{hook.pk}/test/"
    )
    assert response.status_code == 202
    assert [b["type"] for b in receiver.bodies] == ["webhook.test"]
    assert receiver.requests[0]["verified"]
    assert receiver.requests[0]["headers"]["X-Charter-Event"] == "webhook.test"
    assert WebhookDelivery.objects.get(webhook=hook).status == "succeeded"


# --- the SSRF guard -------------------------------------------------------------------------------

REFUSED = [
    ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
    ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
    ("http://localhost:8000/hook", "localhost resolves to"),
    ("http://[::1]/hook", "::1 is a loopback address"),
    ("ftp://example.com/hook", "Give an http:// or https:// address."),
]


@pytest.mark.parametrize(("url", "message"), REFUSED, ids=[u for u, _ in REFUSED])
def test_registration_refuses_unsafe_addresses(project, manager, api_for, url, message):
    """Registering a URL to a loopback, private, metadata or non-http address is a 400 that says
    why; nothing is kept."""
    response = api_for(manager).post(
        f"/api/v1/projects/{project.pk}/webhooks/", {"url": url, "events": ["*"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["url"])
    assert not Webhook.objects.exists()


def test_metadata_addresses_are_refused_even_when_private_ones_are_allowed(
    project, manager, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(webhooks.ValidationError, match="cloud metadata"):
        outbound.check_url("http://169.254.169.254/")
    outbound.check_url("http://10.1.2.3/hook")  # allowed now


def test_send_time_guard_refuses_an_address_now_private(
    project, manager, hook, receiver, committed, settings
):
    """The address is checked again at each send: an endpoint registered while private ones
    were allowed (or a name re-pointed since) gets nothing, and the delivery fails saying why."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    committed(webhooks.webhook_send_test, webhook=hook, by=manager)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.status == "failed"
    assert "127.0.0.1 is a loopback address" in delivery.error
    assert receiver.requests == []


def test_redirects_are_not_followed(project, manager, hook, receiver, committed):
    receiver.codes = [302]
    committed(webhooks.webhook_send_test, webhook=hook, by=manager)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert (delivery.status, delivery.response_code) == ("failed", 302)
    assert "redirects are not followed" in delivery.error
    assert len(receiver.requests) == 1


# --- switching a failing endpoint off -------------------------------------------------------------


def test_endpoint_is_switched_off_after_ten_failed_deliveries(
    project, manager, member, hook, receiver, committed, mailoutbox
):
    """Ten deliveries failed in a row switch the endpoint off and e-mail the managers once;
    later events are not delivered; switching it on again starts afresh."""
    receiver.codes = [404] * 10
    for number in range(10):
        committed(risk_services.issue_create, project=project, by=manager, title=f"Outage {number}")
    hook.refresh_from_db()
    assert (hook.is_active, hook.consecutive_failures) == (False, 10)
    assert hook.disabled_at is not None
    mails = [m for m in mailoutbox if "Webhook switched off" in m.subject]
    assert [m.to for m in mails] == [[manager.email]]
    assert hook.url in mails[0].body
    assert f"/projects/{project.pk}/webhooks/" in mails[0].body
    committed(risk_services.issue_create, project=project, by=manager, title="Outage 11")
    assert len(receiver.requests) == 10
    hook = webhooks.webhook_update(webhook=hook, by=manager, version=None, is_active=True)
    assert (hook.is_active, hook.consecutive_failures, hook.disabled_at) == (True, 0, None)


def test_a_success_resets_the_failure_count(project, manager, hook, receiver, committed):
    receiver.codes = [404, 404]
    for _ in range(2):
        committed(webhooks.webhook_send_test, webhook=hook, by=manager)
    hook.refresh_from_db()
    assert hook.consecutive_failures == 2
    committed(webhooks.webhook_send_test, webhook=hook, by=manager)
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


# --- the consumer ---------------------------------------------------------------------------------


def test_consumer_is_idempotent(project, manager, settings):
    """Handing the same events to the consumer twice makes one delivery per endpoint."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    for port in (9001, 9002):
        webhooks.webhook_create(
            project=project, by=manager, url=f"http://127.0.0.1:{port}/", events=["*"]
        )
    events = [
        record_event("issue.opened", project=project, actor=manager, data={"n": n})
        for n in range(3)
    ]
    events = list(Event.objects.filter(pk__in=[e.pk for e in events]).select_related("project"))
    assert webhooks.webhooks_consume(events) == 6
    assert webhooks.webhooks_consume(events) == 6  # queued again, harmless: the claim sends once
    assert WebhookDelivery.objects.count() == 6
    assert set(WebhookDelivery.objects.values_list("event_uid", flat=True)) == {
        str(e.pk) for e in events
    }


def test_consumer_cost_does_not_grow_with_the_events(
    project, manager, settings, django_assert_num_queries
):
    """Three queries for 1 or 40 events with an endpoint; one when the project has none."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    other = [
        record_event("task.created", project=project, actor=manager, data={}) for _ in range(40)
    ]
    events = list(
        Event.objects.filter(pk__in=[e.pk for e in other]).select_related("project", "actor")
    )
    with django_assert_num_queries(1):
        assert webhooks.webhooks_consume(events) == 0
    webhooks.webhook_create(project=project, by=manager, url="http://127.0.0.1:9/", events=["*"])
    with django_assert_num_queries(3):
        webhooks.webhooks_consume(events[:1])
    with django_assert_num_queries(3):
        assert webhooks.webhooks_consume(events[1:]) == 39


def test_dispatch_twice_delivers_once(project, manager, hook, receiver, committed):
    """The event source's dispatch run twice (a lost task redone) sends each event once."""
    event = committed(record_event, "issue.opened", project=project, actor=manager)
    dispatch([event.pk])
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)
    committed(dispatch, [event.pk])
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    assert len(receiver.requests) == 1


def test_sweeper_requeues_stuck_deliveries(project, manager, hook, receiver, committed):
    """A delivery whose task was lost is sent by the minute sweeper."""
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event_uid="lost-1",
        type="webhook.test",
        payload={"id": "lost-1", "type": "webhook.test"},
        created_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    assert committed(webhooks.webhook_deliveries_requeue_stuck, now=timezone.now()) == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert receiver.bodies == [{"id": "lost-1", "type": "webhook.test"}]


# --- events the lower apps record -----------------------------------------------------------------


def test_a_risk_escalates_only_when_its_level_rises(project, manager):
    risk = risk_services.risk_create(
        project=project, by=manager, title="Vendor", probability=1, impact=2
    )
    risk = risk_services.risk_update(risk=risk, by=manager, version=None, probability=3)
    risk = risk_services.risk_update(risk=risk, by=manager, version=None, probability=2)
    escalated = Event.objects.filter(type="risk.escalated")
    assert list(escalated.values_list("data__from", "data__to")) == [("low", "medium")]
    assert Event.objects.filter(type="risk.created").count() == 1


def test_change_request_decision_is_an_event(project, manager):
    change = project_services.change_request_create(project=project, by=manager, title="Safari")
    change = project_services.change_request_transition(
        change_request=change, by=manager, to="submitted"
    )
    project_services.change_request_transition(
        change_request=change, by=manager, to="approved", reason="Worth it"
    )
    event = Event.objects.get(type="change_request.decided")
    assert (event.data["decision"], event.data["reason"]) == ("approved", "Worth it")


def test_task_events_carry_the_dates_and_what_changed(project, manager):
    task = schedule_services.task_create(project=project, by=manager, name="Build", duration=2)
    task = schedule_services.task_update(task=task, by=manager, version=None, duration=5)
    updated = Event.objects.get(type="task.updated")
    assert updated.data["fields"] == ["duration"]
    assert updated.data["finish"] == task.finish_date.isoformat()
    task_id = task.pk
    schedule_services.task_delete(task=task, by=manager)
    deleted = Event.objects.get(type="task.deleted")
    assert (deleted.object_id, deleted.object_label) == (task_id, "Task 'Build'")


def test_health_change_is_an_event(project):
    """A refresh whose colour differs from the latest snapshot's records health.changed; the
    first snapshot and an unchanged colour record nothing."""
    today = project.today()
    snapshot = kpi_snapshot_refresh(project=project, as_of=today)
    assert not Event.objects.filter(type="health.changed").exists()
    other = "red" if snapshot.health != "red" else "green"
    KpiSnapshot.objects.filter(pk=snapshot.pk).update(health=other)
    kpi_snapshot_refresh(project=project, as_of=today)
    kpi_snapshot_refresh(project=project, as_of=today)
    event = Event.objects.get(type="health.changed")
    assert (event.data["from"], event.data["to"]) == (other, snapshot.health)
    assert event.object_id == project.pk


def test_closing_a_project_is_an_event(project, manager, viewer):
    sign_off(project, manager, sponsor_of(project, viewer))
    event = Event.objects.get(type="project.closed")
    assert event.object_id == project.pk


# --- who may see and change webhooks --------------------------------------------------------------


def test_api_access_managers_only(project, manager, member, viewer, outsider, api_for, settings):
    """A non-member gets 404; members and viewers 403, reads included; managers get the list,
    which never shows the secret after it was first given."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    url = f"/api/v1/projects/{project.pk}/webhooks/"
    created = api_for(manager).post(
        url, {"url": "http://127.0.0.1:9/hook", "events": ["task.created"]}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    detail = f"{url}{created.json()['id']}/"
    assert api_for(outsider).get(url).status_code == 404
    assert api_for(outsider).delete(detail).status_code == 404
    for user in (member, viewer):
        assert api_for(user).get(url).status_code == 403
        assert api_for(user).post(url, {"url": "http://127.0.0.1:9/"}).status_code == 403
        assert api_for(user).post(f"{detail}test/").status_code == 403
    listed = api_for(manager).get(url).json()["results"]
    assert "secret" not in listed[0]
    assert listed[0]["secret_hint"].startswith("…")


def test_api_refuses_unknown_events(project, manager, api_for, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = api_for(manager).post(
        f"/api/v1/projects/{project.pk}/webhooks/",
        {"url": "http://127.0.0.1:9/", "events": ["task.exploded"]},
        format="json",
    )
    assert response.status_code == 400
    assert "events" in response.json()


def test_page_adds_a_webhook_and_shows_the_secret_once(
    project, manager, member, client_for, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    client = client_for(manager)
    page = reverse("interchange:webhooks", args=[project.pk])
    response = client.post(
        page, {"url": "http://127.0.0.1:9/hook", "events": ["task.created", "risk.created"]}
    )
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert hook.events == ["task.created", "risk.created"]
    shown = client.get(response["Location"]).content.decode()
    assert hook.secret in shown
    assert hook.secret not in client.get(response["Location"]).content.decode()
    assert client_for(member).get(page).status_code == 403


def test_page_shows_the_guard_refusal_next_to_the_url(project, manager, client_for):
    response = client_for(manager).post(
        reverse("interchange:webhooks", args=[project.pk]),
        {"url": "http://127.0.0.1/hook", "events": ["*"]},
    )
    assert response.status_code == 400
    assert "127.0.0.1 is a loopback address" in response.content.decode()
    assert not Webhook.objects.exists()


def test_page_sends_a_test_event_and_redelivers(
    project, manager, hook, receiver, client_for, committed, django_assert_max_num_queries
):
    client = client_for(manager)
    committed(client.post, reverse("interchange:webhook_test", args=[project.pk, hook.pk]))
    delivery = WebhookDelivery.objects.get()
    committed(
        client.post,
        reverse("interchange:webhook_redeliver", args=[project.pk, hook.pk, delivery.pk]),
    )
    assert [b["id"] for b in receiver.bodies] == [delivery.event_uid] * 2
    with django_assert_max_num_queries(12):
        page = client.get(reverse("interchange:webhook", args=[project.pk, hook.pk]))
    text = page.content.decode()
    assert "Redeliver" in text and "Send test event" in text and "Succeeded" in text


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_a_delivery(project, manager, receiver, worker_queue):
    """The delivery task run by a real Celery worker sends the body, signed, and records it."""
    hook = Webhook.objects.create(project=project, url=receiver.url, events=["*"], secret=SECRET)
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event_uid="worker-1",
        type="webhook.test",
        payload={"id": "worker-1", "type": "webhook.test"},
    )
    result = deliver_webhook.apply_async(args=[delivery.pk], queue=worker_queue)
    assert result.get(timeout=30) == "succeeded"
    assert receiver.bodies == [{"id": "worker-1", "type": "webhook.test"}]
    assert receiver.requests[0]["verified"]
    # Run again (a duplicate message): the claim sends nothing twice.
    again = deliver_webhook.apply_async(args=[delivery.pk], queue=worker_queue)
    assert again.get(timeout=30) == "succeeded"
    assert len(receiver.requests) == 1


def test_lists_cost_the_same_for_many_rows(
    project, manager, api_for, settings, django_assert_max_num_queries
):
    """The webhook list and a delivery log read a fixed number of queries, however long."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    client = api_for(manager)
    hooks = [
        webhooks.webhook_create(
            project=project, by=manager, url=f"http://127.0.0.1:{9000 + n}/", events=["*"]
        )
        for n in range(12)
    ]
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hooks[0], event_uid=str(n), type="webhook.test", payload={})
        for n in range(30)
    )
    base = f"/api/v1/projects/{project.pk}/webhooks/"
    with django_assert_max_num_queries(8):
        assert len(client.get(base).json()["results"]) == 12
    with django_assert_max_num_queries(8):
        assert client.get(f"{base}{hooks[0].pk}/deliveries/").json()["count"] == 30
