"""Money with its currency: the process's ``currency`` (ISO 4217), else the locale's.

The GUI tells this module the currency of the user's locale (from QLocale) at start-up;
elsewhere (CLI, reports) it comes from Python's ``locale`` module, with "USD" as the plain
fallback when the locale names none. Common currencies print with their symbol in front
("$12,300", "€12,300"), any other with its code after the number ("12,300 CHF").
"""

from __future__ import annotations

import locale
import re

from .units import format_value

FALLBACK = "USD"
#: currencies whose symbol is unambiguous enough to stand for the code
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩",
           "ILS": "₪", "NGN": "₦", "PHP": "₱", "VND": "₫", "UAH": "₴", "TRY": "₺"}
#: a few common codes offered in the editor (any three-letter code is accepted)
COMMON = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN",
          "INR", "BRL", "MXN", "SGD", "ZAR")
_CODE = re.compile(r"^[A-Z]{3}$")
_locale_code: str | None = None


def set_locale_currency(code: str | None) -> None:
    """The currency of the user's locale (the GUI passes QLocale's ISO code)."""
    global _locale_code
    code = (code or "").strip().upper()
    _locale_code = code if _CODE.match(code) else None


def locale_currency() -> str:
    """The locale's currency code: as set by the GUI, else Python's locale, else USD."""
    if _locale_code:
        return _locale_code
    try:
        saved = locale.setlocale(locale.LC_MONETARY)
        try:
            locale.setlocale(locale.LC_MONETARY, "")
            code = str(locale.localeconv().get("int_curr_symbol", "")).strip().upper()
        finally:
            locale.setlocale(locale.LC_MONETARY, saved)
    except (locale.Error, ValueError):
        code = ""
    return code if _CODE.match(code) else FALLBACK


def resolve(currency: str | None) -> str:
    """The currency to show: the given code, else the locale's."""
    return currency if currency and _CODE.match(currency) else locale_currency()


def format_money(value: float | None, currency: str | None = None) -> str:
    """An amount rounded to whole units with its currency: "$6,293", "6,293 CHF"."""
    if value is None:
        return "–"
    code = resolve(currency)
    amount = format_value(abs(value), "money")
    sign = "−" if value < 0 else ""
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"


def format_figure(value: float | None, kind: str, currency: str | None = None) -> str:
    """A key figure as tiles, tables and reports show it; money with its currency."""
    if kind == "money":
        return format_money(value, currency)
    return format_value(value, kind)
