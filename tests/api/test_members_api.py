"""The members of a project: /api/v1/projects/{project_pk}/members/[{id}/]."""

import pytest

from projects.models import Membership, Role
from tests.factories import UserFactory, colleague_of


def members_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/members/"


def member_url(membership) -> str:
    return f"/api/v1/projects/{membership.project_id}/members/{membership.pk}/"


def membership_of(project, user) -> Membership:
    return Membership.objects.get(project=project, user=user)


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "member", "viewer"])
def test_members_list_for_every_role(api_for, project, role, request):
    """Every member, viewers included, sees who is in the project, managers first."""
    response = api_for(request.getfixturevalue(role)).get(members_url(project))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["username"], row["role"]) for row in rows] == [
        ("maria", "manager"),
        ("mo", "member"),
        ("vic", "viewer"),
    ]
    assert set(rows[0]) == {"id", "user", "username", "email", "full_name", "role", "created_at"}
    assert rows[0]["full_name"] == "Maria Manager"
    assert rows[0]["email"] == "maria@example.com"


def test_members_list_filters_searches_and_orders(api_for, manager, project):
    """role filters, search looks in username, e-mail and name, ordering sorts."""
    client = api_for(manager)
    url = members_url(project)
    names = lambda response: [row["username"] for row in response.json()["results"]]  # noqa: E731
    assert names(client.get(url, {"role": "viewer"})) == ["vic"]
    assert names(client.get(url, {"search": "Member"})) == ["mo"]  # last name
    assert names(client.get(url, {"search": "maria@"})) == ["maria"]
    assert names(client.get(url, {"ordering": "-username"})) == ["vic", "mo", "maria"]
    assert names(client.get(url, {"ordering": "role"})) == ["maria", "mo", "vic"]


def test_members_list_query_count_does_not_grow_with_members(
    api_for, manager, project, django_assert_max_num_queries
):
    """The members list costs three queries (door, count, page), however many members."""
    for _ in range(20):
        Membership.objects.create(project=project, user=UserFactory(), role=Role.MEMBER)
    with django_assert_max_num_queries(3):
        response = api_for(manager).get(members_url(project))
    assert response.json()["count"] == 23


def test_members_retrieve_one(api_for, viewer, project, member):
    """A viewer reads one membership."""
    response = api_for(viewer).get(member_url(membership_of(project, member)))
    assert response.status_code == 200
    assert response.json()["username"] == "mo"


# --- adding --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    [
        lambda user: {"user": user.pk},
        lambda user: {"username": user.username.upper()},
        lambda user: {"email": user.email.upper()},
    ],
    ids=["by-id", "by-username", "by-email"],
)
def test_members_create_adds_a_person(api_for, manager, project, how):
    """A manager adds someone by user id, username or e-mail address, with a role."""
    newcomer = colleague_of(manager, username="nina", email="nina@example.com")
    response = api_for(manager).post(members_url(project), {**how(newcomer), "role": "viewer"})
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "nina"
    assert response.json()["role"] == "viewer"
    assert membership_of(project, newcomer).role == Role.VIEWER


def test_members_create_defaults_to_member(api_for, manager, project):
    """Without a role, the newcomer is a member."""
    newcomer = colleague_of(manager)
    response = api_for(manager).post(members_url(project), {"user": newcomer.pk})
    assert response.status_code == 201
    assert membership_of(project, newcomer).role == Role.MEMBER


def test_members_create_refuses_a_duplicate(api_for, manager, project, member):
    """Adding someone already in the project is a 400 that says so."""
    response = api_for(manager).post(members_url(project), {"username": "mo", "role": "manager"})
    assert response.status_code == 400
    assert "already a member" in response.json()["user"][0]
    assert membership_of(project, member).role == Role.MEMBER


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({}, "non_field_errors", "exactly one of"),
        ({"username": "mo", "email": "mo@example.com"}, "non_field_errors", "exactly one of"),
        ({"username": "nobody"}, "username", "None of the people you work with"),
        ({"email": "nobody@example.com"}, "email", "None of the people you work with"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"user": 999999}, "user", "None of the people you work with"),
        ({"username": "mo", "role": "boss"}, "role", "not a valid choice"),
    ],
)
def test_members_create_refuses_bad_input_with_a_message(
    api_for, manager, project, body, field, fragment
):
    """Who to add must name exactly one existing active person, with a known role."""
    before = Membership.objects.count()
    response = api_for(manager).post(members_url(project), body)
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert Membership.objects.count() == before


def test_members_create_refuses_an_inactive_user(api_for, manager, project):
    """An inactive account cannot be added."""
    colleague_of(manager, username="gone", is_active=False)
    response = api_for(manager).post(members_url(project), {"username": "gone"})
    assert response.status_code == 400
    assert "None of the people you work with" in response.json()["username"][0]


@pytest.mark.parametrize("field", ["user", "username", "email"])
def test_members_create_does_not_reveal_who_has_an_account(api_for, manager, project, field):
    """Someone with an account who shares no project with the manager gets the same answer as
    no one: the member picker is not a directory of the installation's users."""
    stranger = UserFactory(username="stranger", email="stranger@example.com")
    ghost = {"user": 999999, "username": "ghost", "email": "ghost@example.com"}[field]
    real = {"user": stranger.pk, "username": "stranger", "email": "stranger@example.com"}[field]
    client = api_for(manager)
    answers = [client.post(members_url(project), {field: value}) for value in (real, ghost)]
    assert [a.status_code for a in answers] == [400, 400]
    texts = [
        a.json()[field][0].replace(str(v), "X") for a, v in zip(answers, (real, ghost), strict=True)
    ]
    assert texts[0] == texts[1]
    assert "invite them by e-mail" in texts[0]
    assert not Membership.objects.filter(user=stranger).exists()


def test_members_create_refuses_an_ambiguous_email(api_for, manager, project):
    """An e-mail address two accounts share cannot say who is meant."""
    colleague_of(manager, username="twin1", email="twins@example.com")
    # (Only one account can hold the address verified: the other has it unverified.)
    colleague_of(manager, username="twin2", email="twins@example.com", verified_email=False)
    response = api_for(manager).post(members_url(project), {"email": "twins@example.com"})
    assert response.status_code == 400
    assert "More than one user" in response.json()["email"][0]


# --- changing roles and removing -----------------------------------------------------------------


def test_members_partial_update_changes_the_role(api_for, manager, project, member):
    """A manager promotes a member to manager."""
    response = api_for(manager).patch(
        member_url(membership_of(project, member)), {"role": "manager"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "manager"
    assert membership_of(project, member).role == Role.MANAGER


def test_members_put_is_not_offered(api_for, manager, project, member):
    """Only the role changes, with PATCH; PUT answers 405."""
    url = member_url(membership_of(project, member))
    assert api_for(manager).put(url, {"role": "viewer"}).status_code == 405


def test_members_destroy_removes(api_for, manager, project, viewer):
    """A manager removes someone from the project."""
    response = api_for(manager).delete(member_url(membership_of(project, viewer)))
    assert response.status_code == 204
    assert not Membership.objects.filter(project=project, user=viewer).exists()


def test_members_last_manager_cannot_step_down(api_for, manager, project):
    """Demoting the only manager is a 400 with a message on role."""
    response = api_for(manager).patch(
        member_url(membership_of(project, manager)), {"role": "member"}
    )
    assert response.status_code == 400
    assert "last manager" in response.json()["role"][0]
    assert membership_of(project, manager).role == Role.MANAGER


def test_members_last_manager_cannot_be_removed(api_for, manager, project):
    """Removing the only manager is a 400 with a message on role."""
    response = api_for(manager).delete(member_url(membership_of(project, manager)))
    assert response.status_code == 400
    assert "Make someone else a manager first" in response.json()["role"][0]
    assert membership_of(project, manager).role == Role.MANAGER


def test_members_a_manager_may_leave_when_another_remains(api_for, manager, member, project):
    """With a second manager, the first may step down."""
    Membership.objects.filter(project=project, user=member).update(role=Role.MANAGER)
    response = api_for(manager).patch(
        member_url(membership_of(project, manager)), {"role": "viewer"}
    )
    assert response.status_code == 200


# --- below manager -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_writes_are_403_below_manager(api_for, project, role, request, manager):
    """Members and viewers read the list but cannot add, change or remove anyone."""
    client = api_for(request.getfixturevalue(role))
    before = list(Membership.objects.values_list("pk", "role"))
    newcomer = UserFactory()
    assert client.post(members_url(project), {"user": newcomer.pk}).status_code == 403
    target = member_url(membership_of(project, manager))
    response = client.patch(target, {"role": "viewer"})
    assert response.status_code == 403
    assert "manager role" in response.json()["detail"]
    assert client.delete(target).status_code == 403
    assert list(Membership.objects.values_list("pk", "role")) == before


def test_members_writes_on_a_closed_project_are_403(api_for, manager, project, member):
    """A closed project's members are read-only, even for its manager."""
    project.stage = project.Stage.CLOSED
    project.save()
    client = api_for(manager)
    assert client.get(members_url(project)).status_code == 200
    response = client.patch(member_url(membership_of(project, member)), {"role": "viewer"})
    assert response.status_code == 403
    assert "closed" in response.json()["detail"]
