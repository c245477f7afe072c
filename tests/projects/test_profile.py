"""A person's profile: their name, the time zone their timestamps show in and the format their
dates are written in."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Profile
from projects.services.accounts import profile_update
from projects.timezones import DATE_FORMAT_SESSION_KEY, SESSION_KEY
from scheduling import services as schedule_services


@pytest.mark.django_db
def test_profile_saves_name_and_zone_and_times_follow_the_zone(client_for, member):
    client = client_for(member)
    url = reverse("projects:account_profile")
    assert "UTC" in client.get(url).content.decode()  # the site's zone before a choice
    response = client.post(
        url, {"first_name": " Mo ", "last_name": "Okafor", "time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Mo", "Okafor")
    assert Profile.objects.get(user=member).time_zone == "Asia/Tokyo"
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    assert "JST" in client.get(url).content.decode()


@pytest.mark.django_db
def test_profile_refuses_an_unknown_zone_and_keeps_the_old_one(client_for, member):
    client = client_for(member)
    url = reverse("projects:account_profile")
    client.post(url, {"first_name": "Mo", "last_name": "", "time_zone": "Europe/Paris"})
    refused = client.post(url, {"first_name": "X", "last_name": "", "time_zone": "Mars/Base"})
    assert refused.status_code == 200 and b"Select a valid choice" in refused.content
    member.refresh_from_db()
    assert member.first_name == "Mo"
    assert Profile.objects.get(user=member).time_zone == "Europe/Paris"


@pytest.mark.django_db
def test_signing_in_brings_the_persons_zone_into_the_session(client, member, password):
    Profile.objects.create(user=member, time_zone="America/New_York")
    assert client.login(username=member.username, password=password)
    assert client.session[SESSION_KEY] == "America/New_York"
    page = client.get(reverse("projects:account_profile")).content.decode()
    assert "EST" in page or "EDT" in page


@pytest.mark.django_db
def test_profile_saves_the_date_format_and_pages_write_dates_in_it(client_for, member):
    """A person who picks day/month/year has it saved, remembered and used on their pages."""
    client = client_for(member)
    url = reverse("projects:account_profile")
    today = timezone.now()
    assert today.strftime("%-d %b %Y") in client.get(url).content.decode()  # the default
    response = client.post(
        url, {"first_name": "Mo", "last_name": "", "time_zone": "", "date_format": "d/m/Y"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=member).date_format == "d/m/Y"
    assert client.session[DATE_FORMAT_SESSION_KEY] == "d/m/Y"
    page = client.get(url).content.decode()
    assert f"today is {today.strftime('%d/%m/%Y')}" in page
    assert f"{today.strftime('%d/%m/%Y')}, " in page  # the timestamp's date part too


@pytest.mark.django_db
def test_profile_refuses_an_unknown_date_format(client_for, member):
    """A format outside the fixed choices is an error next to the field; nothing is saved."""
    client = client_for(member)
    url = reverse("projects:account_profile")
    refused = client.post(
        url, {"first_name": "X", "last_name": "", "time_zone": "", "date_format": "%Y"}
    )
    assert refused.status_code == 200 and b"Select a valid choice" in refused.content
    assert not Profile.objects.filter(user=member).exists()
    with pytest.raises(ValidationError):
        profile_update(user=member, first_name="X", last_name="", time_zone="", date_format="Y/m/d")
    assert not Profile.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_signing_in_brings_the_persons_date_format_into_the_session(client, member, password):
    """The format is copied into the session at sign-in, so pages need no query to read it."""
    Profile.objects.create(user=member, date_format="Y-m-d")
    assert client.login(username=member.username, password=password)
    assert client.session[DATE_FORMAT_SESSION_KEY] == "Y-m-d"


@pytest.mark.django_db
def test_task_pages_write_dates_in_the_persons_format_at_no_extra_query(
    client_for, manager, member, project, django_assert_num_queries
):
    """After choosing month/day/year, the task table and the task's page write Alpha's start
    (Monday 5 Jan 2026) that way, with as many queries as before the choice."""
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    task = schedule_services.task_create(project=project, by=manager, name="Alpha", duration=3)
    client = client_for(member)
    table = reverse("scheduling:tasks", kwargs={"pk": project.pk})
    detail = reverse("scheduling:task_detail", kwargs={"pk": project.pk, "task_pk": task.pk})
    client.get(table)  # warm: the first request of a session may differ
    with CaptureQueriesContext(connection) as before:
        html = client.get(table).content.decode()
    queries_before = len(before)
    assert "Mon 5 Jan 26" in html
    assert "Mon 5 Jan 2026" in client.get(detail).content.decode()
    client.post(
        reverse("projects:account_profile"),
        {"first_name": "Mo", "last_name": "", "time_zone": "", "date_format": "m/d/Y"},
    )
    with django_assert_num_queries(queries_before):
        html = client.get(table).content.decode()
    assert "Mon 01/05/26" in html and "Mon 5 Jan 26" not in html
    assert "Mon 01/05/2026" in client.get(detail).content.decode()
