"""The project calendar: which weekdays are worked, and the holidays.

A singleton under the project (``/calendar/``), plus ``POST /calendar/import-holidays/`` for a
country's public holidays. Every change reschedules the project in the same transaction
(``scheduling.services.calendar_update`` / ``holidays_import``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api.base import ProjectSingletonViewSet, edit_responses, version_field
from scheduling.models import Calendar, Holiday
from scheduling.services import calendar_update, holidays_import

TAGS = ["schedule"]

DEFAULT_WEEKDAYS = [1, 2, 3, 4, 5]


class CalendarSerializer(serializers.Serializer):
    working_weekdays = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="ISO weekday numbers, 1 (Monday) to 7 (Sunday); Monday to Friday by default.",
    )
    holidays = serializers.ListField(
        child=serializers.DateField(),
        help_text="Every non-working date. A write replaces the whole list.",
    )
    holiday_names = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Names of the holidays that have one (imported ones do), by ISO date.",
    )
    version = version_field()


class HolidayImportSerializer(serializers.Serializer):
    country = serializers.CharField(max_length=3, help_text="ISO 3166 country code, e.g. GB.")
    year = serializers.IntegerField(help_text="The year whose public holidays to add.")
    subdivision = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="A region of the country, e.g. ENG for England; its own holidays come too.",
    )


@extend_schema_view(
    retrieve=extend_schema(summary="The project calendar"),
    update=extend_schema(
        summary="Set the working weekdays and holidays; the project is rescheduled (members)",
        responses=edit_responses(CalendarSerializer),
    ),
    partial_update=extend_schema(
        summary="Set the working weekdays or the holidays; the project is rescheduled (members)",
        responses=edit_responses(CalendarSerializer),
    ),
    import_holidays=extend_schema(
        summary="Add a country's public holidays for a year; the project is rescheduled (members)",
        description="Days already in the calendar are kept. Answers with the calendar.",
        request=HolidayImportSerializer,
        responses={200: CalendarSerializer},
    ),
)
@extend_schema(tags=TAGS)
class CalendarViewSet(ProjectSingletonViewSet):
    """The project's working days: its working weekdays minus its holidays."""

    queryset = Calendar.objects.all()
    serializer_class = CalendarSerializer
    filter_backends: list = []

    def get_object(self) -> Calendar:
        # Reading never writes: a project whose calendar was never set shows Monday to Friday.
        return self.get_queryset().first() or Calendar(
            project=self.project, working_weekdays=DEFAULT_WEEKDAYS
        )

    def _present(self, calendar: Calendar) -> Response:
        days = (
            list(Holiday.objects.filter(calendar=calendar).values_list("date", "name"))
            if calendar.pk
            else []
        )
        data = {
            "working_weekdays": calendar.working_weekdays,
            "holidays": [day for day, _ in days],
            "holiday_names": {day.isoformat(): name for day, name in days if name},
            "version": calendar.version,
        }
        return Response(CalendarSerializer(data).data)

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        return self._present(self.get_object())

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes, version = self.split_version(serializer)
        calendar = calendar_update(
            project=self.project, by=request.user, version=version, **changes
        )
        return self._present(calendar)

    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @action(
        detail=True,
        methods=["post"],
        url_path="import-holidays",
        serializer_class=HolidayImportSerializer,
    )
    def import_holidays(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        holidays_import(project=self.project, by=request.user, **serializer.validated_data)
        return self._present(self.get_object())
