"""Which emergency number to give a visitor (data: bot/knowledge/emergency_numbers.yml)."""
from __future__ import annotations

from babel.numbers import get_territory_currencies

from bot import i18n, knowledge


def number_for(country: str | None) -> str | None:
    """The emergency number of a country we list, else None."""
    entry = knowledge.load("emergency_numbers")["countries"].get(country or "")
    return entry["number"] if entry else None


def emergency_numbers_text(country: str | None, language: str) -> str:
    """The number(s) to call, written for the visitor's locale.

    With a known country: its number. Otherwise the numbers of the language's likely countries,
    each with the country's name, and 112 (the EU number, redirected in many other countries).
    """
    number = number_for(country)
    if number:
        return number
    fallback = knowledge.load("emergency_numbers")["fallback"]
    likely = next(e["countries"] for e in knowledge.load("languages") if e["code"] == language)
    numbers = [number_for(c) for c in likely]
    if set(numbers) == {fallback}:
        return fallback
    options = [f"{n} ({i18n.country_name(c, language)})" for n, c in zip(numbers, likely)]
    if fallback not in numbers:
        options.append(fallback)
    return i18n.format_alternatives(options, language)


def normalize_country(code: object) -> str | None:
    """An ISO 3166 alpha-2 country code from website metadata ("pl" → "PL"), or None."""
    if not isinstance(code, str) or len(code.strip()) != 2:
        return None
    code = code.strip().upper()
    # Babel lists currencies only for real territories ("ZZ", "UN", "QO" have none); "EU" is not a country.
    return code if code.isalpha() and code != "EU" and get_territory_currencies(code) else None
