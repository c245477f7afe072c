"""Helpers the budgets services share: reading money, same-project checks, versioned edits."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model

from projects.services.common import check_member as check_member
from projects.services.common import check_same_project as check_same_project
from projects.services.common import locked_current as locked_current
from projects.services.common import save_versioned as save_versioned

# The largest amount a 14-digit, 2-place column holds.
MAX_MONEY = Decimal("999999999999.99")


def parse_money(value: Any, field: str, *, allow_zero: bool = False) -> Decimal:
    """``value`` (text, int or Decimal) as money, or a ValidationError for ``field`` saying what
    is wrong with it. Negative amounts are always refused: credits have their own kind."""
    if isinstance(value, float):
        # Binary floats cannot hold cents exactly (0.1 + 0.2); money arrives as text or Decimal.
        value = repr(value)
    text = str(value).strip() if value is not None else ""
    if text == "":
        raise ValidationError({field: "Enter an amount, e.g. 1250.00."})
    if "," in text:
        raise ValidationError(
            {
                field: f"“{text}” has a comma: write amounts with a dot for the decimals and no "
                "thousands separators, e.g. 1250.00."
            }
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            {field: f"“{text}” is not an amount; write it like 1250.00."}
        ) from None
    if not amount.is_finite():
        raise ValidationError({field: f"“{text}” is not an amount; write it like 1250.00."})
    if amount.as_tuple().exponent < -2:
        raise ValidationError(
            {field: f"“{text}” has more than 2 decimal places; amounts are in cents at most."}
        )
    if amount < 0:
        raise ValidationError(
            {
                field: f"“{text}” is negative. Amounts are positive; record money coming back "
                "(a refund, a credit note) as a credit."
            }
        )
    if amount == 0 and not allow_zero:
        raise ValidationError({field: "The amount must be more than zero."})
    if amount > MAX_MONEY:
        raise ValidationError({field: f"“{text}” is too large for an amount."})
    return amount.quantize(Decimal("0.01"))


def parse_decimal(
    value: Any, field: str, *, places: int, low: Decimal, high: Decimal, what: str
) -> Decimal:
    """A positive decimal such as hours or a capacity, within ``(low, high]``."""
    text = str(value).strip() if value is not None else ""
    try:
        number = Decimal(repr(value) if isinstance(value, float) else text)
    except InvalidOperation:
        raise ValidationError({field: f"“{text}” is not a number."}) from None
    if not number.is_finite() or number.as_tuple().exponent < -places:
        raise ValidationError({field: f"{what} have at most {places} decimal places."})
    if not low < number <= high:
        raise ValidationError({field: f"{what} are more than {low} and at most {high}."})
    return number


def refuse_unknown(changes: dict[str, Any], allowed: Sequence[str], message: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({field: message for field in sorted(unknown)})


def save_new(instance: Model, by: AbstractBaseUser) -> Model:
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance
