"""Rules of projects/services.py, whichever face calls them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.exceptions import StaleEdit
from projects.models import Membership, Project, Role
from projects.selectors import get_project_for, projects_for
from tests.factories import MembershipFactory, UserFactory, colleague_of

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)


def create(by, **overrides):
    fields = dict(
        name="Network refresh",
        key="net",
        start_date=START,
        target_finish=START + datetime.timedelta(days=90),
    )
    return services.project_create(by=by, **{**fields, **overrides})


def test_project_create_makes_the_creator_its_manager(manager):
    """Whoever creates a project becomes its manager, and the key is stored upper-case."""
    project = create(manager)
    assert project.key == "NET"
    assert Membership.objects.get(project=project).role == Role.MANAGER
    assert project.history.get().history_user == manager


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target_finish": START - datetime.timedelta(days=1)}, "target_finish"),
        ({"key": "1ABC"}, "key"),
        ({"key": "A"}, "key"),
        ({"currency": "EURO"}, "currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"report_hour": 24}, "report_hour"),
        ({"name": ""}, "name"),
    ],
)
def test_project_create_refuses_invalid_fields_and_writes_nothing(manager, overrides, field):
    """Bad input names the field at fault, and neither project nor membership is written."""
    with pytest.raises(ValidationError) as error:
        create(manager, **overrides)
    assert field in error.value.message_dict
    assert not Project.objects.exists()
    assert not Membership.objects.exists()


def test_project_create_refuses_a_duplicate_key(manager, member):
    """Keys are unique across Charter, whatever the letter case typed."""
    create(manager)
    with pytest.raises(ValidationError) as error:
        create(member, key="NET")
    assert "key" in error.value.message_dict


def test_project_update_bumps_the_version_and_records_history(project, manager):
    """An edit based on the current version is saved, versioned and kept in history."""
    updated = services.project_update(
        project=project, by=manager, version=project.version, name="Renamed", stage="planning"
    )
    assert (updated.name, updated.stage, updated.version) == ("Renamed", "planning", 2)
    latest = updated.history.first()
    assert latest.history_user == manager
    assert latest.name == "Renamed"


def test_project_update_with_a_stale_version_is_refused_and_saves_nothing(project, manager):
    """A second editor working from an old version gets StaleEdit, not a silent overwrite."""
    services.project_update(project=project, by=manager, version=1, name="First edit")
    with pytest.raises(StaleEdit):
        services.project_update(project=project, by=manager, version=1, name="Second edit")
    project.refresh_from_db()
    assert project.name == "First edit"
    assert project.version == 2


def test_project_update_refuses_fields_outside_the_editable_set(project, manager):
    """Only the project's own settings can be edited this way, not its id or audit fields."""
    with pytest.raises(ValidationError) as error:
        services.project_update(project=project, by=manager, version=None, created_by=None)
    assert "created_by" in error.value.message_dict


def test_membership_add_finds_users_by_username_or_email(project, manager):
    """A manager adds an existing user by username or e-mail, case-insensitively."""
    colleague_of(manager, username="ann", email="Ann@Example.com")
    bob = colleague_of(manager, username="bob")
    services.membership_add(project=project, by=manager, identifier="ann@example.COM")
    services.membership_add(project=project, by=manager, identifier="BOB", role=Role.VIEWER)
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles["ann"] == Role.MEMBER
    assert roles[bob.username] == Role.VIEWER


def test_membership_add_refuses_unknown_and_duplicate_users(project, manager, member):
    """Unknown people and existing members are refused with a message on the user field."""
    with pytest.raises(ValidationError, match="None of the people you work with"):
        services.membership_add(project=project, by=manager, identifier="nobody@example.com")
    UserFactory(username="stranger")  # has an account, shares no project with the manager
    with pytest.raises(ValidationError, match="None of the people you work with"):
        services.membership_add(project=project, by=manager, identifier="stranger")
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_add(project=project, by=manager, user=member)


def test_membership_change_role_keeps_at_least_one_manager(project, manager, member):
    """The last manager cannot be demoted; once another manager exists, they can."""
    own = project.memberships.get(user=manager)
    with pytest.raises(ValidationError, match="last manager"):
        services.membership_change_role(membership=own, by=manager, role=Role.MEMBER)
    services.membership_change_role(
        membership=project.memberships.get(user=member), by=manager, role=Role.MANAGER
    )
    demoted = services.membership_change_role(membership=own, by=manager, role=Role.VIEWER)
    assert demoted.role == Role.VIEWER


def test_membership_remove_keeps_at_least_one_manager(project, manager, member):
    """The last manager cannot be removed; other members can."""
    with pytest.raises(ValidationError, match="last manager"):
        services.membership_remove(membership=project.memberships.get(user=manager), by=manager)
    services.membership_remove(membership=project.memberships.get(user=member), by=manager)
    assert not project.memberships.filter(user=member).exists()
    assert project.memberships.filter(user=manager, role=Role.MANAGER).exists()


def test_projects_for_shows_members_their_projects_with_their_role(project, viewer, outsider):
    """A member sees the project with their role; a non-member does not see it at all."""
    assert projects_for(viewer).get(pk=project.pk).my_role == Role.VIEWER
    assert not projects_for(outsider).filter(pk=project.pk).exists()


def test_projects_for_lists_each_project_once_however_many_members(project, manager):
    """Scoping by membership never duplicates rows, even with many members."""
    for _ in range(3):
        MembershipFactory(project=project)
    assert list(projects_for(manager)) == [project]


def test_projects_for_gives_superusers_every_project(project):
    """A superuser sees every project, as a manager."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert projects_for(admin).get(pk=project.pk).my_role == Role.MANAGER


def test_get_project_for_hides_foreign_projects_and_refuses_low_roles(project, viewer, outsider):
    """Non-members get 404 (even for junk ids); a role too low gets 403 with a reason."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    for pk in (project.pk, "junk", None, 10**9):
        with pytest.raises(Http404):
            get_project_for(outsider, pk)
    assert get_project_for(viewer, project.pk) == project
    with pytest.raises(PermissionDenied, match="member role"):
        get_project_for(viewer, project.pk, need=Role.MEMBER)


def test_get_project_for_treats_closed_projects_as_read_only(project, manager):
    """A closed project can be read but not written, even by its manager."""
    from django.core.exceptions import PermissionDenied

    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    assert get_project_for(manager, project.pk).is_closed
    with pytest.raises(PermissionDenied, match="closed"):
        get_project_for(manager, project.pk, need=Role.MANAGER)


def test_project_create_turns_a_key_race_into_a_key_error(manager, member, monkeypatch):
    """Two people saving the same new key at once: the loser gets the key error, not a crash."""
    create(manager)
    # The race: the uniqueness check ran before the winner's row existed.
    monkeypatch.setattr(Project, "validate_unique", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as error:
        create(member, name="Other")
    assert "already uses the key NET" in error.value.message_dict["key"][0]
    assert Project.objects.count() == 1
