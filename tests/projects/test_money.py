"""The one money formatter (projects.money): each currency's own decimals and symbol."""

from decimal import Decimal

import pytest

from budgets.templatetags.money import money0, signed_money
from projects.money import currency_places, currency_symbol, money, money_short
from reports.rendering import figure, movement

M = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (M("12000"), "EUR", "€12,000.00"),
        (M("1234.5"), "GBP", "£1,234.50"),
        (M("1234.5"), "USD", "$1,234.50"),
        (M("1234"), "JPY", "¥1,234"),
        (M("1234.4"), "JPY", "¥1,234"),
        (M("1234.5"), "KWD", "KWD 1,234.500"),
        (M("0.1235"), "KWD", "KWD 0.124"),
        (M("12.5"), "CHF", "CHF 12.50"),
    ],
)
def test_currency_own_decimals_and_symbol(amount, currency, shown):
    """An amount is written with its currency's symbol and its own number of decimals."""
    assert money(amount, currency) == shown


def test_jpy_has_no_decimals_and_kwd_three():
    """JPY is written in whole yen and KWD with three decimals (CLDR), EUR with two."""
    assert (currency_places("JPY"), currency_places("KWD"), currency_places("EUR")) == (0, 3, 2)
    assert currency_symbol("JPY") == "¥" and currency_symbol("KWD") == "KWD "


def test_negative_takes_a_true_minus_before_the_symbol():
    """A negative amount reads −€1,234.50 (U+2212, before the symbol)."""
    assert money(M("-1234.5"), "EUR") == "−€1,234.50"
    assert money(M("-1234"), "JPY") == "−¥1,234"


def test_signed_adds_plus_to_positive_only():
    """sign=True writes +€12,000.00 for a rise, −€200.00 for a fall, €0.00 for none."""
    assert money(M("12000"), "EUR", sign=True) == "+€12,000.00"
    assert money(M("-200"), "EUR", sign=True) == "−€200.00"
    assert money(M("0"), "EUR", sign=True) == "€0.00"


def test_whole_units_variant():
    """places=0 gives whole units: €18,400, KWD 1,235."""
    assert money(M("18400"), "EUR", places=0) == "€18,400"
    assert money(M("1234.5"), "KWD", places=0) == "KWD 1,235"


def test_rounds_half_up():
    """Halves round up, as by hand (Python's format would round 0.125 to 0.12)."""
    assert money(M("0.125"), "EUR") == "€0.13"
    assert money(M("2.5"), "JPY") == "¥3"


def test_rounded_to_zero_has_no_minus():
    """An amount that rounds to zero shows no minus sign."""
    assert money(M("-0.001"), "EUR") == "€0.00"


def test_unknown_amount_is_a_dash():
    """None is written as a dash."""
    assert money(None, "EUR") == "—"


def test_template_filters_use_the_one_formatter():
    """The money0 and signed_money filters read frozen strings and follow the currency."""
    assert money0("18400.00", "EUR") == "€18,400"
    assert signed_money(M("12000"), "EUR") == "+€12,000.00"
    assert signed_money("1234", "JPY") == "+¥1,234"


def test_axis_labels():
    """Axis labels are short: 0, €500, €12k, ¥1.2M."""
    assert [money_short(v, c) for v, c in [(0, "EUR"), (500, "EUR"), (12000, "EUR")]] == [
        "0",
        "€500",
        "€12k",
    ]
    assert money_short(1_200_000, "JPY") == "¥1.2M"


def test_status_report_money_follows_the_currency():
    """A status report's money KPI reads ¥1,234 and −¥200 in yen, not ¥1,234.00."""
    assert figure("1234.00", "¤", 2, "JPY") == "¥1,234"
    assert movement("-200", "¤", 2, "JPY") == "−¥200"
    assert figure("3200", "¤", 2, "EUR") == "€3,200.00"
