"""Money as Charter writes it, in one place: ``money(Decimal("-1234.5"), "EUR")`` → "−€1,234.50".

Each currency keeps its own number of decimals and its own symbol, both from CLDR through
``babel`` (JPY has none: ``¥1,234``; KWD has three: ``KWD 1,234.500``). English grouping (``,``
thousands, ``.`` decimals), the symbol before the amount (a space after a symbol made of letters:
``CHF 12.50``), a true minus sign (−, U+2212) and rounding half up, as people do by hand.

Pure: no Django, so the pure modules (budget charts, health sentences) use it as the pages do.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from babel.numbers import get_currency_precision, get_currency_symbol

__all__ = ["currency_places", "currency_symbol", "money", "money_short"]

MINUS = "−"


@cache
def currency_places(code: str) -> int:
    """The decimals the currency is written with: EUR 2, JPY 0, KWD 3."""
    return get_currency_precision(code)


@cache
def currency_symbol(code: str) -> str:
    """What goes before the amount: "€", "$", "¥"; a code or a symbol of letters and a space
    ("CHF ", "KWD ")."""
    symbol = get_currency_symbol(code, locale="en")
    return symbol if not symbol[-1:].isalpha() else f"{symbol} "


def _decimal(value: Decimal | Fraction | float | int) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value))


def money(
    value: Decimal | Fraction | float | int | None,
    currency: str,
    *,
    places: int | None = None,
    sign: bool = False,
) -> str:
    """``value`` in ``currency`` with the currency's own decimals (``places`` overrides: 0 for
    whole units, 2 for a ratio such as "every €1 spent earns €0.80"); ``None`` → ``"—"``.
    ``sign`` adds a ``+`` to positive amounts (variances, changes)."""
    if value is None:
        return "—"
    places = currency_places(currency) if places is None else places
    rounded = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{currency_symbol(currency)}{abs(rounded):,.{places}f}"
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if sign and rounded > 0 else text


def money_short(value: float, currency: str) -> str:
    """An axis label: 0, €500, €12k, €1.2M."""
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 1_000_000:
        text = f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    elif size >= 1_000:
        text = f"{value / 1_000:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        text = f"{value:g}"
    return f"{currency_symbol(currency)}{text}"
