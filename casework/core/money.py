"""Money: an integer amount in the currency's minor units, with its ISO 4217 code."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from casework.core.errors import InvalidInput

# Digits after the decimal point (ISO 4217) for the currencies the programme uses.
MINOR_UNIT_DIGITS = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SYP": 2,
    "TRY": 2,
    "IQD": 3,
}
# Larger than any real claim; keeps amounts far inside a 64-bit integer.
MAX_MINOR_UNITS = 10**15
_AMOUNT = re.compile(r"^\d+(\.\d+)?$")


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """'1500.50' in USD -> 150050. Refuses signs, separators and too many decimals."""
    digits = MINOR_UNIT_DIGITS.get(currency)
    if digits is None:
        raise InvalidInput(_l("Unknown currency %(code)s.", code=currency), "currency")
    cleaned = (text or "").strip().replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise InvalidInput(
            _l("Enter an amount such as 1500 or 1500.50, without signs or thousands separators."),
            field,
        )
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern already refuses these
        raise InvalidInput(_l("Enter an amount such as 1500 or 1500.50."), field) from error
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        raise InvalidInput(
            _l("%(code)s has %(digits)d decimal places at most.", code=currency, digits=digits),
            field,
        )
    if minor > MAX_MINOR_UNITS:
        raise InvalidInput(_l("This amount is too large."), field)
    return int(minor)


def format_amount(minor: int | None, currency: str | None) -> str:
    """150050, 'USD' -> '1,500.50 USD'."""
    if minor is None or currency is None:
        return ""
    digits = MINOR_UNIT_DIGITS.get(currency, 2)
    value = Decimal(minor).scaleb(-digits)
    return f"{value:,.{digits}f} {currency}"


def amount_text(minor: int | None, currency: str | None) -> str:
    """The plain amount for a form field: 150050, 'USD' -> '1500.50'."""
    if minor is None or currency is None:
        return ""
    digits = MINOR_UNIT_DIGITS.get(currency, 2)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"
