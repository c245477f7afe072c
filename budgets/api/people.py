"""People across projects in the API: ``/api/v1/people/`` (DESIGN §5: capacity, days off).

A person is looked up by user id, among the people I share a project with (a member or a
resource's user of a project I can see) and myself; anyone else is 404. ``rate`` and
``rate_unit`` are shown only to those who may edit the person (themself, staff, superusers, a
manager of a project where they are a resource; null to others), who alone may PATCH
``capacity_hours``, ``team``, ``rate``, ``rate_unit`` (with ``version``: stale is 409) and
POST / DELETE ``days-off/``; others get 403.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from budgets import portfolio, selectors, services
from budgets.api.fields import MoneyField
from budgets.models import Person, PersonDayOff
from projects.api.base import version_field
from projects.display import person_name

TAGS = ["budgets"]


class WindowSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, data: dict) -> dict:
        start, end = portfolio.default_window(data.get("start"), data.get("end"))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        return {"start": start, "end": end}


class PersonDayOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonDayOff
        fields = ("id", "date", "note")


class PersonDayOffRemoveSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day off to remove.")


class PersonSerializer(serializers.Serializer):
    """A person as the reader sees them; ``details`` in the context (``person_details``)."""

    id = serializers.IntegerField(read_only=True, help_text="The user's id.")
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()
    team = serializers.CharField(required=False, allow_blank=True, max_length=120)
    capacity_hours = MoneyField(
        required=False, help_text='Hours a working day, in every project, e.g. "7.50".'
    )
    rate = MoneyField(
        required=False,
        allow_null=True,
        help_text="Default rate for new project resources; null unless you may edit them.",
    )
    rate_unit = serializers.ChoiceField(choices=["hour", "day"], required=False, allow_null=True)
    roles = serializers.SerializerMethodField()
    days_off = serializers.SerializerMethodField()
    version = version_field()

    def get_name(self, user: Any) -> str:
        return person_name(user)

    def get_roles(self, user: Any) -> list[str]:
        return self.context["details"]["roles"].get(user.pk, [])

    def get_days_off(self, user: Any) -> list[dict[str, Any]]:
        return [
            {"id": d.pk, "date": d.date.isoformat(), "note": d.note}
            for d in self.context["details"]["days_off"].get(user.pk, [])
        ]

    def to_representation(self, user: Any) -> dict[str, Any]:
        try:
            person = user.person
        except Person.DoesNotExist:
            person = Person(user=user)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "name": self.get_name(user),
            "team": person.team,
            "capacity_hours": f"{person.capacity_hours:.2f}",
            "rate": None,
            "rate_unit": None,
            "roles": self.get_roles(user),
            "days_off": self.get_days_off(user),
            "version": person.version,
        }
        if user.pk in self.context["details"]["rates"]:
            data["rate"], data["rate_unit"] = f"{person.rate:.2f}", person.rate_unit
        return data


WINDOW = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="Days off from (default: today)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Days off to (default: 13 weeks)"),
]


@extend_schema(tags=TAGS)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The people I share a project with, and myself: capacity, team, roles and days off."""

    serializer_class = PersonSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options", "patch", "post", "delete"]

    def get_queryset(self):
        return selectors.people_for(self.request.user).order_by("username")

    def _window(self) -> dict[str, datetime.date]:
        window = WindowSerializer(data=self.request.query_params)
        window.is_valid(raise_exception=True)
        return window.validated_data

    def _context(self, users: list[Any]) -> dict[str, Any]:
        details = selectors.person_details(
            self.request.user, [u.pk for u in users], **self._window()
        )
        return {**self.get_serializer_context(), "details": details}

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        user = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(PersonSerializer(user, context=self._context([user])).data, status=code)

    def _editable(self, pk: Any) -> Any:
        user = get_object_or_404(self.get_queryset(), pk=pk)
        if not selectors.may_edit_person(self.request.user, user.pk):
            raise PermissionDenied(
                "Only the person, staff or a manager of a project where they are a resource "
                "can change their capacity, days off, team and rate."
            )
        return user

    @extend_schema(summary="People I share a project with, and myself", parameters=WINDOW)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        users = list(page) if page is not None else list(self.get_queryset())
        data = PersonSerializer(users, many=True, context=self._context(users)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(summary="One person", parameters=WINDOW)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(pk)

    @extend_schema(
        summary="Change capacity, team or default rate (the person, staff, their managers)",
        request=PersonSerializer,
        responses={200: PersonSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        user = self._editable(pk)
        serializer = PersonSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in services.PERSON_FIELDS or k == "version"
        }
        version = changes.pop("version", None)
        services.person_update(user=user, by=request.user, version=version, **changes)
        return self._answer(pk)

    @extend_schema(
        methods=["post"],
        summary="Add a day off, in every project",
        request=PersonDayOffSerializer,
        responses={201: PersonSerializer},
    )
    @extend_schema(
        methods=["delete"],
        summary="Remove a day off (date in the body or ?date=)",
        request=PersonDayOffRemoveSerializer,
        responses={200: PersonSerializer},
    )
    @action(detail=True, methods=["post", "delete"], url_path="days-off")
    def days_off(self, request: Request, pk: str) -> Response:
        user = self._editable(pk)
        if request.method == "POST":
            serializer = PersonDayOffSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.person_day_off_add(user=user, by=request.user, **serializer.validated_data)
            return self._answer(pk, status.HTTP_201_CREATED)
        source = request.data or request.query_params
        serializer = PersonDayOffRemoveSerializer(data={"date": source.get("date")})
        serializer.is_valid(raise_exception=True)
        day = serializer.validated_data["date"]
        day_off = PersonDayOff.objects.filter(person_id=user.pk, date=day).first()
        if day_off is None:
            raise serializers.ValidationError(
                {"date": f"{day:%d %b %Y} is not a day off for {person_name(user)}."}
            )
        services.person_day_off_remove(day_off=day_off, by=request.user)
        return self._answer(pk)
