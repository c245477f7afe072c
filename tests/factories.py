"""factory_boy factories shared by the whole suite."""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from projects.models import Membership, Project, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """The account's address as verified (allauth asks for one at sign-in), as the
        migration made it for accounts that predate allauth; ``verified_email=False`` leaves
        none."""
        if create and user.email and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    key = factory.Sequence(lambda n: f"P{n:03d}")
    type = Project.Type.SOFTWARE
    methodology = Project.Methodology.SCRUM
    start_date = datetime.date(2026, 1, 5)
    target_finish = datetime.date(2026, 6, 30)
    currency = "EUR"
    time_zone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


def project_with(**roles: object) -> Project:
    """A project whose members are given as role=user or role=[users], e.g. manager=alice."""
    project = ProjectFactory()
    for role, users in roles.items():
        for user in users if isinstance(users, list | tuple) else [users]:
            MembershipFactory(project=project, user=user, role=role)
    return project


def colleague_of(user, **fields):
    """A new user who shares another project with ``user``: someone a manager may add by
    username or e-mail (anyone else is invited by e-mail)."""
    other = ProjectFactory()
    colleague = UserFactory(**fields)
    Membership.objects.create(project=other, user=user, role=Role.MEMBER)
    Membership.objects.create(project=other, user=colleague, role=Role.MEMBER)
    return colleague
