"""Fields the budgets API shares: money and other decimals in, decimal strings out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CENT = Decimal("0.01")


# A decimal string both ways (DESIGN §5): the answer is always text; a request may send text or
# a number, but text is what the schema asks for, as integrations should send it.
@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class MoneyField(serializers.Field):
    """Money as a decimal string, e.g. ``"1250.00"`` (DESIGN §5).

    The field checks only the shape (text or a number); the service reads the amount and says
    exactly what is wrong with it (a comma, a minus sign, a third decimal place), so the page, the
    API and the CSV import give the same message.
    """

    default_error_messages = {"shape": 'Enter an amount as text, e.g. "1250.00".'}

    def __init__(self, *, places: int = 2, **kwargs: Any) -> None:
        self.places = places
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("shape")
        return data

    def to_representation(self, value: Any) -> str | None:
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.places)))


def money(**kwargs: Any) -> serializers.DecimalField:
    """A read-only money value in an answer, as a decimal string."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def ratio(**kwargs: Any) -> serializers.DecimalField:
    """A read-only ratio (SPI, CPI, TCPI) to 4 places, or null when its denominator is zero."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=4, read_only=True, allow_null=True, **kwargs
    )


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """One person over-allocated on one working day, naming the tasks booked that day."""

    resource = NamedRefSerializer()
    date = serializers.DateField()
    booked = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Hours booked.")
    capacity = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text="Hours available (0 on a day off)."
    )
    day_off = serializers.BooleanField()
    tasks = NamedRefSerializer(many=True)


def conflict_data(row: dict[str, Any]) -> dict[str, Any]:
    """A conflict row of ``budgets.selectors`` / the levelling plan, as the serializer takes it."""
    resource = row["resource"]
    return {
        "resource": {"id": resource.pk, "name": resource.name},
        "date": row["date"],
        "booked": row["booked"],
        "capacity": row["capacity"],
        "day_off": row["day_off"],
        "tasks": [{"id": pk, "name": name} for pk, name in row["tasks"]],
    }
