"""Money as the budget pages show it: ``{{ amount|money:project.currency }}`` → “€1,234.50”.

Amounts may also be the strings that frozen report content holds (``"1234.50"``)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from projects.money import money as format_money

register = template.Library()


def _amount(value: Decimal | str | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@register.filter
def money(value: Decimal | None, currency: str) -> str:
    return format_money(_amount(value), currency)


@register.filter
def money0(value: Decimal | None, currency: str) -> str:
    """Whole units, for dense tables and tiles (the cents are in the CSV and the API)."""
    return format_money(_amount(value), currency, places=0)


@register.filter
def signed_money(value: Decimal | None, currency: str) -> str:
    return format_money(_amount(value), currency, sign=True)


@register.filter
def signed_money0(value: Decimal | None, currency: str) -> str:
    return format_money(_amount(value), currency, places=0, sign=True)


@register.filter
def negate(value: Decimal | None) -> Decimal | None:
    return None if value is None else -value
