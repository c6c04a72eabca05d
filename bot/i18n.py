"""Visitor-facing text from the gettext catalogs, and locale formatting with Babel.

Each message is keyed by its msgctxt (a response name such as `utter_greet`); its msgid is the
English text. Catalogs are compiled `.mo` files, loaded once into a `{language: {key: text}}` map;
the language is passed explicitly on every call.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping

from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import read_mo
from babel.numbers import format_decimal, parse_pattern

from bot import knowledge
from bot.config import LOCALES_DIR

DOMAIN = "messages"


class CatalogError(RuntimeError):
    """A compiled catalog is missing or lacks a message."""


def languages() -> list[str]:
    """The conversation languages, as Babel locale identifiers (also the `locales/` folders)."""
    return [entry["code"] for entry in knowledge.load("languages")]


class Catalogs:
    """Translated messages for every conversation language."""

    def __init__(self, texts: Dict[str, Dict[str, str]]) -> None:
        self._texts = texts

    @classmethod
    def load(cls, locales_dir: Path = LOCALES_DIR) -> "Catalogs":
        """Read `locales/<lang>/LC_MESSAGES/messages.mo` for every language; fail loudly if absent."""
        texts = {}
        for language in languages():
            path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not path.exists():
                raise CatalogError(f"missing compiled catalog {path}; run `make i18n-compile`")
            with open(path, "rb") as f:
                catalog = read_mo(f)
            texts[language] = {_as_str(m.context): m.string for m in catalog if m.id and m.context}
        return cls(texts)

    def keys(self, language: str) -> set[str]:
        return set(self._texts[language])

    def text(self, language: str, key: str, params: Mapping[str, object] | None = None) -> str:
        """The message `key` in `language`, with `%(name)s` placeholders filled from `params`."""
        try:
            template = self._texts[language][key]
        except KeyError:
            raise CatalogError(f"no message {key!r} for language {language!r}") from None
        return template % dict(params or {})


def _as_str(value: str | bytes) -> str:
    # Babel's read_mo leaves msgctxt as bytes.
    return value.decode("utf-8") if isinstance(value, bytes) else value


@lru_cache(maxsize=1)
def catalogs() -> Catalogs:
    """The process-wide catalogs, loaded on first use."""
    return Catalogs.load()


def format_price(amount: float, currency: str, language: str) -> str:
    """A whole-number price in the locale's currency format, e.g. `23 000 USD` in Polish."""
    locale = Locale.parse(language)
    pattern = parse_pattern(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern.apply(amount, locale, currency=currency, currency_digits=False)


def format_number(number: float, language: str) -> str:
    return format_decimal(number, locale=language)


def format_alternatives(items: list[str], language: str) -> str:
    """`a, b or c` in the locale's words."""
    return format_list(items, style="or", locale=language)


def country_name(country: str, language: str) -> str:
    return Locale.parse(language).territories.get(country, country)
