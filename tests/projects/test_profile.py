"""A person's profile: their name, and the time zone their timestamps show in."""

import pytest
from django.urls import reverse

from projects.models import Profile
from projects.timezones import SESSION_KEY


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
