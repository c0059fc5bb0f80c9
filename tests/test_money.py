"""Money in integer minor units: every currency's decimal places, the largest amount, what a
person may type, and the text shown back in forms and pages.

The expected decimal places are written here from ISO 4217, not read from the module, so a
currency whose minor unit changes (which would silently rescale every amount stored in it)
fails by name.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.core.errors import InvalidInput
from casework.core.money import (
    MAX_MINOR_UNITS,
    MINOR_UNIT_DIGITS,
    amount_text,
    format_amount,
    parse_amount,
)

# ISO 4217 minor units of the currencies the programme pays in.
ISO_4217_DIGITS = {"USD": 2, "EUR": 2, "GBP": 2, "SYP": 2, "TRY": 2, "IQD": 3}
# 10**15 minor units: a quadrillion cents is far beyond any claim and far inside 64 bits.
LARGEST = 1_000_000_000_000_000


def test_the_programme_pays_in_exactly_these_currencies_with_their_iso_decimal_places():
    assert MINOR_UNIT_DIGITS == ISO_4217_DIGITS
    assert MAX_MINOR_UNITS == LARGEST


@pytest.mark.parametrize(("currency", "digits"), sorted(ISO_4217_DIGITS.items()))
def test_each_currency_counts_its_own_minor_units(app_context, currency, digits):
    assert parse_amount("1", currency) == 10**digits
    assert parse_amount("12." + "3" * digits, currency) == int("12" + "3" * digits)
    with pytest.raises(InvalidInput) as refused:
        parse_amount("12." + "3" * (digits + 1), currency, "estimated_value")
    assert refused.value.message == f"{currency} has {digits} decimal places at most."
    assert refused.value.field == "estimated_value"


@pytest.mark.parametrize(("minor", "currency", "formatted", "plain"), [
    (150050, "USD", "1,500.50 USD", "1500.50"),
    (0, "EUR", "0.00 EUR", "0.00"),
    (7, "GBP", "0.07 GBP", "0.07"),
    (123456789, "SYP", "1,234,567.89 SYP", "1234567.89"),
    (99, "TRY", "0.99 TRY", "0.99"),
    (1234567, "IQD", "1,234.567 IQD", "1234.567"),
    (5, "IQD", "0.005 IQD", "0.005"),
    (LARGEST, "USD", "10,000,000,000,000.00 USD", "10000000000000.00"),
])
def test_amounts_are_shown_with_the_currency_s_decimal_places(minor, currency, formatted, plain):
    assert format_amount(minor, currency) == formatted
    assert amount_text(minor, currency) == plain


def test_an_unknown_currency_is_shown_with_two_decimal_places_rather_than_failing():
    assert format_amount(150050, "XYZ") == "1,500.50 XYZ"
    assert amount_text(150050, "XYZ") == "1500.50"


@pytest.mark.parametrize(("minor", "currency"), [(None, "USD"), (150050, None), (None, None)])
def test_an_amount_or_currency_left_blank_is_shown_as_nothing(minor, currency):
    assert format_amount(minor, currency) == ""
    assert amount_text(minor, currency) == ""


@pytest.mark.parametrize(("typed", "minor"), [
    ("1500", 150000), ("1500.5", 150050), ("1500.50", 150050), ("0.01", 1), ("0", 0),
    ("1 500.50", 150050), ("  1500  ", 150000), ("1 000 000", 100000000),
    ("1500.500", 150050),  # zeros past the minor unit change nothing
    ("١٥٠٠.٥٠", 150050),  # Arabic-Indic digits, as typed on an Arabic keyboard
])
def test_amounts_may_be_typed_with_spaces_short_decimals_or_arabic_indic_digits(app_context, typed, minor):
    assert parse_amount(typed, "USD") == minor


@pytest.mark.parametrize("typed", ["", "   ", None, "-5", "+5", "1,500", "1'500", "1.500,50", "1.5.0",
                                   ".5", "5.", "1e3", "NaN", "Infinity", "USD 5", "$5"])
def test_amounts_with_signs_separators_or_no_digits_are_refused(app_context, typed):
    with pytest.raises(InvalidInput) as refused:
        parse_amount(typed, "USD", "estimated_value")
    assert refused.value.message == (
        "Enter an amount such as 1500 or 1500.50, without signs or thousands separators.")
    assert refused.value.field == "estimated_value"


def test_the_field_of_a_refused_amount_is_amount_unless_named(app_context):
    with pytest.raises(InvalidInput) as refused:
        parse_amount("abc", "USD")
    assert refused.value.field == "amount"


def test_an_unknown_currency_is_refused_on_the_currency_field(app_context):
    with pytest.raises(InvalidInput) as refused:
        parse_amount("100", "XYZ", "estimated_value")
    assert refused.value.message == "Unknown currency XYZ."
    assert refused.value.field == "currency"


@pytest.mark.parametrize(("currency", "largest"), [("USD", "10000000000000"),
                                                   ("USD", "10 000 000 000 000.00"),
                                                   ("IQD", "1000000000000.000")])
def test_the_largest_amount_is_accepted_and_one_minor_unit_more_is_refused(
        app_context, currency, largest):
    assert parse_amount(largest, currency) == LARGEST
    one_more = amount_text(LARGEST + 1, currency)
    with pytest.raises(InvalidInput) as refused:
        parse_amount(one_more, currency, "estimated_value")
    assert refused.value.message == "This amount is too large."
    assert refused.value.field == "estimated_value"


@given(minor=st.integers(min_value=0, max_value=LARGEST),
       currency=st.sampled_from(sorted(ISO_4217_DIGITS)))
def test_the_text_put_back_in_a_form_reads_as_the_same_amount(app, minor, currency):
    with app.app_context():
        assert parse_amount(amount_text(minor, currency), currency) == minor
