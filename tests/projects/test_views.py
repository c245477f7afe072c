"""The project pages: portfolio, create/edit, overview, members, history, API tokens, access."""

import datetime

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken

from projects import services
from projects.models import Membership, Project, Role
from projects.views.project import timeline
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    colleague_of,
    project_with,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _valid_project_data(**overrides) -> dict:
    data = {
        "name": "Network refresh",
        "key": "net",
        "description": "Replace the campus switches.",
        "type": Project.Type.INFRASTRUCTURE,
        "methodology": Project.Methodology.WATERFALL,
        "stage": Project.Stage.PLANNING,
        "sponsor": "Helen Carter",
        "start_date": "2026-02-02",
        "target_finish": "2026-08-28",
        "currency": "GBP",
        "time_zone": "Europe/London",
        "report_weekday": 5,
        "report_hour": 9,
    }
    data.update(overrides)
    return data


def _edit_data(project: Project, **overrides) -> dict:
    data = _valid_project_data(
        name=project.name,
        key=project.key,
        description=project.description,
        type=project.type,
        methodology=project.methodology,
        stage=project.stage,
        sponsor=project.sponsor,
        start_date=project.start_date.isoformat(),
        target_finish=project.target_finish.isoformat(),
        currency=project.currency,
        time_zone=project.time_zone,
        report_weekday=project.report_weekday,
        report_hour=project.report_hour,
        version=project.version,
    )
    data.update(overrides)
    return data


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- Portfolio -----------------------------------------------------------------------------------


def test_portfolio_lists_only_my_projects(client_for, manager, project, outsider):
    """The portfolio lists the projects I am a member of, with manager and role, and no others."""
    others = Project.objects.exclude(pk=project.pk)
    response = client_for(manager).get(reverse("projects:portfolio"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["projects"]] == [project.pk]
    html = response.content.decode()
    assert project.key in html and "Maria Manager" in html and "Manager" in html
    for other in others:
        assert other.key not in html


def test_portfolio_filters_and_search_narrow_the_list(client_for, manager):
    """Type, methodology and stage filters and the search box narrow the list together."""
    cloud = project_with(manager=manager)
    Project.objects.filter(pk=cloud.pk).update(
        name="Cloud landing zone", type=Project.Type.INFRASTRUCTURE, stage=Project.Stage.PLANNING
    )
    app = project_with(manager=manager)
    Project.objects.filter(pk=app.pk).update(name="Mobile app", stage=Project.Stage.EXECUTING)
    client = client_for(manager)

    def keys(**params) -> list[int]:
        response = client.get(reverse("projects:portfolio"), params)
        assert response.status_code == 200
        return [p.pk for p in response.context["projects"]]

    assert keys(type="infrastructure") == [cloud.pk]
    assert keys(stage="executing") == [app.pk]
    assert keys(methodology="scrum", q="mobile") == [app.pk]
    assert keys(q="landing", stage="executing") == []
    assert sorted(keys()) == sorted([cloud.pk, app.pk])


def test_portfolio_sorts_by_column_both_ways(client_for, manager):
    """A sort parameter orders the table; a leading minus reverses it."""
    first = project_with(manager=manager)
    second = project_with(manager=manager)
    Project.objects.filter(pk=first.pk).update(name="Alpha")
    Project.objects.filter(pk=second.pk).update(name="Beta")
    client = client_for(manager)
    ascending = client.get(reverse("projects:portfolio"), {"sort": "name"}).context["projects"]
    descending = client.get(reverse("projects:portfolio"), {"sort": "-name"}).context["projects"]
    assert [p.name for p in ascending] == ["Alpha", "Beta"]
    assert [p.name for p in descending] == ["Beta", "Alpha"]


def test_portfolio_htmx_request_returns_only_the_table(client_for, manager, project):
    """An htmx request gets just the table fragment, not the whole page."""
    response = client_for(manager).get(reverse("projects:portfolio"), {"q": project.key}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="project-table"')
    assert "<html" not in html and 'portfolio-filters" class' not in html
    assert project.key in html


def test_portfolio_invalid_filter_values_are_ignored(client_for, manager, project):
    """Unknown filter or sort values are reported and ignored instead of failing."""
    response = client_for(manager).get(
        reverse("projects:portfolio"), {"type": "bogus", "stage": "x", "sort": "password"}
    )
    assert response.status_code == 200
    assert [p.pk for p in response.context["projects"]] == [project.pk]
    assert "Ignored:" in response.content.decode()


def test_portfolio_empty_state_tells_a_newcomer_to_create_a_project(client_for):
    """A user without projects is invited to create one."""
    response = client_for(UserFactory()).get(reverse("projects:portfolio"))
    html = response.content.decode()
    assert "Create a project" in html and reverse("projects:create") in html


def test_portfolio_query_count_is_constant(client_for, manager, django_assert_max_num_queries):
    """The portfolio costs the same number of queries for 3 projects as for 30."""
    client = client_for(manager)
    for _ in range(3):
        project_with(manager=manager, member=UserFactory())
    few = _count_queries(client, reverse("projects:portfolio"))
    for _ in range(27):
        project_with(manager=[manager, UserFactory()], viewer=UserFactory())
    many = _count_queries(client, reverse("projects:portfolio"))
    assert many == few
    with django_assert_max_num_queries(6):
        client.get(reverse("projects:portfolio"))


# --- Create --------------------------------------------------------------------------------------


def test_project_create_makes_the_creator_its_manager(client_for, manager):
    """A valid form creates the project, makes its creator manager and opens the overview."""
    response = client_for(manager).post(reverse("projects:create"), _valid_project_data())
    project = Project.objects.get(key="NET")
    assert response.status_code == 302
    assert response.url == reverse("projects:overview", args=[project.pk])
    assert project.memberships.get().user == manager
    assert project.memberships.get().role == Role.MANAGER
    assert project.start_date == datetime.date(2026, 2, 2)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_finish": "2026-01-01"}, "target_finish", "cannot be before the start date"),
        ({"key": "P"}, "key", "2 to 10 capital letters"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_project_create_shows_errors_next_to_fields(client_for, manager, overrides, field, message):
    """Invalid input re-renders the form with the message next to the field, saving nothing."""
    response = client_for(manager).post(
        reverse("projects:create"), _valid_project_data(**overrides)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Project.objects.filter(name="Network refresh").exists()


def test_project_create_refuses_a_duplicate_key(client_for, manager, project):
    """A key already used by another project is an error on the key field."""
    response = client_for(manager).post(
        reverse("projects:create"), _valid_project_data(key=project.key.lower())
    )
    assert response.status_code == 200
    assert "key" in response.context["form"].errors
    assert Project.objects.filter(key=project.key).count() == 1


# --- Overview ------------------------------------------------------------------------------------


def test_overview_shows_the_projects_facts_and_team(client_for, viewer, project):
    """The overview shows dates, duration, report schedule and the team grouped by role."""
    Project.objects.filter(pk=project.pk).update(sponsor="Helen Carter, CFO")
    response = client_for(viewer).get(reverse("projects:overview", args=[project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Helen Carter, CFO" in html
    assert "177 calendar days" in html  # 5 Jan to 30 Jun 2026, both included
    assert "Fridays at 09:00 Europe/London" in html
    assert "Manager <span" in html and "Maria Manager" in html and "Vic Viewer" in html
    assert reverse("projects:edit", args=[project.pk]) not in html  # a viewer cannot edit


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 1, 1), {"starts_in": 4}),
        (datetime.date(2026, 1, 5), {"remaining": 176}),
        (datetime.date(2026, 6, 30), {"remaining": 0}),
        (datetime.date(2026, 7, 3), {"overdue": 3}),
    ],
)
def test_timeline_counts_calendar_days_around_today(today, expected):
    """Before the start it counts down to it; then days remaining; after the finish, overdue."""
    result = timeline(datetime.date(2026, 1, 5), datetime.date(2026, 6, 30), today)
    assert result.duration_days == 177
    for name, value in expected.items():
        assert getattr(result, name) == value


# --- Edit ----------------------------------------------------------------------------------------


def test_project_edit_saves_changed_fields(client_for, manager, project):
    """A manager's edit saves the change and bumps the version."""
    url = reverse("projects:edit", args=[project.pk])
    response = client_for(manager).post(url, _edit_data(project, name="Renamed"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Renamed" and project.version == 2


def test_project_edit_with_stale_version_shows_conflict_and_saves_nothing(
    client_for, manager, project
):
    """If someone saved since the form was opened, the edit is refused with a form error."""
    stale = _edit_data(project, name="Mine")
    services.project_update(project=project, by=manager, version=project.version, name="Theirs")
    response = client_for(manager).post(reverse("projects:edit", args=[project.pk]), stale)
    assert response.status_code == 200
    assert "Someone else changed" in " ".join(response.context["form"].non_field_errors())
    project.refresh_from_db()
    assert project.name == "Theirs"


def test_project_edit_shows_service_errors_inline(client_for, manager, project):
    """A finish before the start is shown next to the finish date."""
    data = _edit_data(project, target_finish="2025-01-01")
    response = client_for(manager).post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 200
    assert "target_finish" in response.context["form"].errors


def test_project_edit_closed_project_is_read_only(client_for, manager, project):
    """A closed project cannot be edited, even by its manager."""
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSED)
    response = client_for(manager).get(reverse("projects:edit", args=[project.pk]))
    assert response.status_code == 403


# --- Members -------------------------------------------------------------------------------------


def test_members_page_lists_everyone_for_every_member(client_for, viewer, project):
    """Any member sees the member table, but only managers get the forms."""
    response = client_for(viewer).get(reverse("projects:members", args=[project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "maria" in html and "mo@example.com" in html and "vic" in html
    assert "Add member" not in html and "Remove" not in html


def test_members_add_by_email(client_for, manager, project):
    """A manager adds an existing user by e-mail address with a role."""
    newcomer = colleague_of(manager, username="nina", email="nina@example.com")
    response = client_for(manager).post(
        reverse("projects:members", args=[project.pk]),
        {"identifier": "NINA@example.com", "role": Role.VIEWER},
    )
    assert response.status_code == 302
    assert project.memberships.get(user=newcomer).role == Role.VIEWER


@pytest.mark.parametrize(
    ("identifier", "message"),
    [("nobody@example.com", "None of the people you work with"), ("mo", "already a member")],
)
def test_members_add_shows_service_errors_next_to_the_field(
    client_for, manager, project, identifier, message
):
    """Unknown users and existing members are refused with a message next to the input."""
    response = client_for(manager).post(
        reverse("projects:members", args=[project.pk]), {"identifier": identifier, "role": "member"}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["add_form"].errors["identifier"])
    assert message in response.content.decode()


def test_members_change_role_plain_post(client_for, manager, member, project):
    """Without htmx, a role change redirects back to the member list."""
    membership = project.memberships.get(user=member)
    url = reverse("projects:member_role", args=[project.pk, membership.pk])
    response = client_for(manager).post(url, {"role": Role.MANAGER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_members_change_role_htmx_returns_the_row(client_for, manager, member, project):
    """With htmx, a role change answers with just the updated table row."""
    membership = project.memberships.get(user=member)
    url = reverse("projects:member_role", args=[project.pk, membership.pk])
    response = client_for(manager).post(url, {"role": Role.VIEWER}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="member-{membership.pk}"')
    assert "<html" not in html and "Saved" in html
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


@pytest.mark.parametrize("htmx", [False, True])
def test_members_last_manager_refusal_is_shown_on_the_row(client_for, manager, project, htmx):
    """Demoting the only manager is refused and the reason is shown next to their role."""
    membership = project.memberships.get(user=manager)
    url = reverse("projects:member_role", args=[project.pk, membership.pk])
    response = client_for(manager).post(url, {"role": Role.MEMBER}, **(HTMX if htmx else {}))
    assert response.status_code == 200
    assert "last manager" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_members_remove(client_for, manager, member, project):
    """A manager removes a member."""
    membership = project.memberships.get(user=member)
    url = reverse("projects:member_remove", args=[project.pk, membership.pk])
    response = client_for(manager).post(url)
    assert response.status_code == 302
    assert not project.memberships.filter(user=member).exists()


def test_members_remove_last_manager_is_refused(client_for, manager, project):
    """The last manager cannot be removed; the page says why."""
    membership = project.memberships.get(user=manager)
    url = reverse("projects:member_remove", args=[project.pk, membership.pk])
    response = client_for(manager).post(url)
    assert response.status_code == 200
    assert "last manager" in response.content.decode()
    assert project.memberships.filter(user=manager).exists()


def test_members_membership_of_another_project_is_404(client_for, manager, project):
    """A membership id from another project is not found through this project."""
    elsewhere = MembershipFactory(project=project_with(manager=manager))
    for name in ("projects:member_role", "projects:member_remove"):
        url = reverse(name, args=[project.pk, elsewhere.pk])
        assert client_for(manager).post(url, {"role": "viewer"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.MEMBER


def test_members_page_query_count_is_constant(client_for, manager, project):
    """The members page costs the same queries for 3 members as for 25."""
    client = client_for(manager)
    url = reverse("projects:members", args=[project.pk])
    few = _count_queries(client, url)
    for _ in range(22):
        MembershipFactory(project=project)
    assert _count_queries(client, url) == few


def test_members_page_query_budget(client_for, manager, project, django_assert_max_num_queries):
    """The members page stays within its query budget."""
    client = client_for(manager)
    with django_assert_max_num_queries(6):
        client.get(reverse("projects:members", args=[project.pk]))


# --- Access --------------------------------------------------------------------------------------


def _project_urls(project: Project) -> list[str]:
    membership = project.memberships.first()
    return [
        reverse("projects:overview", args=[project.pk]),
        reverse("projects:edit", args=[project.pk]),
        reverse("projects:members", args=[project.pk]),
        reverse("projects:member_role", args=[project.pk, membership.pk]),
        reverse("projects:member_remove", args=[project.pk, membership.pk]),
        reverse("projects:history", args=[project.pk]),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_access_outsider_gets_404_on_every_project_page(client_for, outsider, project, method):
    """To a non-member the project does not exist: every page, read or write, answers 404."""
    client = client_for(outsider)
    for url in _project_urls(project):
        response = getattr(client, method)(url, {"role": "manager", "identifier": "oscar"})
        assert response.status_code == 404, url
    assert not project.memberships.filter(user=outsider).exists()
    assert "Page not found" in response.content.decode()  # the site's 404 page, in its layout


@pytest.mark.parametrize("who", ["viewer", "member"])
def test_access_non_managers_get_403_on_writes(client_for, project, who, request):
    """Viewers and members may read but not edit the project or its membership."""
    user = request.getfixturevalue(who)
    client = client_for(user)
    own = project.memberships.get(user=user)
    writes = [
        ("get", reverse("projects:edit", args=[project.pk]), {}),
        ("post", reverse("projects:edit", args=[project.pk]), _edit_data(project, name="X")),
        ("post", reverse("projects:members", args=[project.pk]), {"identifier": "oscar"}),
        ("post", reverse("projects:member_role", args=[project.pk, own.pk]), {"role": "manager"}),
        ("post", reverse("projects:member_remove", args=[project.pk, own.pk]), {}),
    ]
    for method, url, data in writes:
        assert getattr(client, method)(url, data).status_code == 403, url
    own.refresh_from_db()
    project.refresh_from_db()
    assert own.role == who and project.name != "X"
    for url in (reverse("projects:overview", args=[project.pk]), _project_urls(project)[-1]):
        assert client.get(url).status_code == 200


def test_access_anonymous_is_sent_to_login(client, project):
    """Anonymous visitors are redirected to the login page."""
    response = client.get(reverse("projects:overview", args=[project.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_access_403_page_explains_the_refusal(client_for, viewer, project):
    """The 403 page says which role is needed."""
    response = client_for(viewer).get(reverse("projects:edit", args=[project.pk]))
    assert "manager role" in response.content.decode()


def test_login_accepts_email_and_logout_is_a_post(client, manager, password):
    """The login form accepts an e-mail address; logging out is a POST."""
    response = client.post(reverse("login"), {"login": manager.email, "password": password})
    # Logging in lands on the portfolio dashboard (reports), the landing page.
    assert response.status_code == 302 and response.url == reverse("reports:dashboard")
    portfolio = client.get(reverse("projects:portfolio")).content.decode()
    assert f'action="{reverse("logout")}"' in portfolio and 'method="post"' in portfolio
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("projects:portfolio")).status_code == 302


def test_error_500_template_renders_without_a_request():
    """The 500 page needs no request context."""
    assert "Something went wrong" in get_template("500.html").render()


# --- API tokens ----------------------------------------------------------------------------------


def test_tokens_create_shows_the_token_once(client_for, manager):
    """Creating a token shows it on that response only; the list shows its prefix."""
    client = client_for(manager)
    response = client.post(reverse("projects:account_tokens"))
    token = response.context["new_token"]
    assert response.status_code == 200 and token in response.content.decode()
    instance = AuthToken.objects.get(user=manager)
    assert token.startswith(instance.token_key)
    again = client.get(reverse("projects:account_tokens")).content.decode()
    assert token not in again and instance.token_key in again


def test_tokens_revoke_only_my_own(client_for, manager, member):
    """A user revokes their own token; another user's token is not found."""
    mine, _ = AuthToken.objects.create(user=manager)
    theirs, _ = AuthToken.objects.create(user=member)
    client = client_for(manager)
    url = reverse("projects:account_token_revoke", args=[theirs.token_key])
    assert client.post(url).status_code == 404
    url = reverse("projects:account_token_revoke", args=[mine.token_key])
    assert client.post(url).status_code == 302
    assert list(AuthToken.objects.values_list("user", flat=True)) == [member.pk]


def test_switcher_lists_the_first_projects_and_points_to_the_rest(client_for, manager):
    """A member of many projects gets the first ones by key in the top bar, not 1,000 links on
    every page, and is told where the others are."""
    from projects.context_processors import SWITCHER_LIMIT

    projects = ProjectFactory.create_batch(SWITCHER_LIMIT + 5)
    Membership.objects.bulk_create(
        Membership(project=p, user=manager, role=Role.MANAGER) for p in projects
    )
    response = client_for(manager).get(reverse("projects:portfolio"))
    shown = [p.key for p in response.context["switcher_projects"]]
    assert shown == sorted(p.key for p in projects)[:SWITCHER_LIMIT]
    assert "the others are under All projects" in response.content.decode()


def test_switcher_lists_my_projects_only(client_for, manager, project, outsider):
    """The top bar's project switcher lists exactly my projects."""
    response = client_for(manager).get(reverse("projects:overview", args=[project.pk]))
    assert [p.pk for p in response.context["switcher_projects"]] == [project.pk]
    assert Membership.objects.filter(user=outsider).exists()
