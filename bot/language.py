"""The conversation language: website tags, detection from text, explicit requests.

Detection is restricted to our eight languages and returns None when a message is too short or
too ambiguous to tell (e.g. "ok"), so the conversation keeps its current language.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder
from opencc import OpenCC

from bot import knowledge

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
WORD = re.compile(r"[\w-]+", re.UNICODE)

# Fewer letters than this in a Latin-script message: too short to tell the language.
MIN_LATIN_LETTERS = 4
# How far ahead of the runner-up lingua's best guess must be to count; one or two words say
# little ("hello" scores Spanish first), so short messages need a clearer lead.
MIN_CONFIDENCE_MARGIN = 0.15
MIN_CONFIDENCE_MARGIN_SHORT = 0.3
SHORT_MESSAGE_WORDS = 2

# Letters Unicode does not split into base + accent, folded as people type them without accents.
LETTERS_WITHOUT_DECOMPOSITION = {"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o"}

LINGUA_TO_CODE = {
    Language.ENGLISH: "en",
    Language.SPANISH: "es",
    Language.FRENCH: "fr",
    Language.POLISH: "pl",
    Language.PORTUGUESE: "pt",
    Language.ROMANIAN: "ro",
}


def fold(text: str) -> str:
    """Lower-case, without accents, Chinese in Traditional script: how we compare visitor text.

    Keeps one character per input character, so token offsets stay valid.
    """
    text = _simplified_to_traditional().convert(text) if HAN.search(text) else text
    return "".join(_fold_char(c) for c in text)


def fold_pattern(pattern: str) -> str:
    """A regular expression written in natural spelling, folded like messages are.

    Only non-ASCII characters change, so regex syntax (`\\W`, `\\b`, ...) is untouched.
    """
    pattern = _simplified_to_traditional().convert(pattern) if HAN.search(pattern) else pattern
    return "".join(c if c.isascii() else _fold_char(c) for c in pattern)


def _fold_char(char: str) -> str:
    if char in LETTERS_WITHOUT_DECOMPOSITION:
        return LETTERS_WITHOUT_DECOMPOSITION[char]
    base = unicodedata.normalize("NFD", char.lower())
    stripped = "".join(c for c in base if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)[:1] or char


@lru_cache(maxsize=1)
def _simplified_to_traditional() -> OpenCC:
    return OpenCC("s2t")


def normalize_tag(tag: object) -> str | None:
    """Our language code for a tag a website sends ("pt-BR", "zh_TW", "EN"), or None."""
    if not isinstance(tag, str):
        return None
    wanted = tag.strip().lower().replace("_", "-")
    for entry in knowledge.load("languages"):
        if wanted == entry["code"].lower().replace("_", "-") or wanted in entry["tags"]:
            return entry["code"]
    return None


def requested_language(text: str) -> str | None:
    """The language a visitor names in a message such as "can you speak Polish?", or None."""
    folded = fold(text)
    words = set(WORD.findall(folded))
    for entry in knowledge.load("languages"):
        for name in map(fold, entry["asked_as"]):
            if (HAN.search(name) and name in folded) or name in words:
                return entry["code"]
    return None


def detect_language(text: str) -> str | None:
    """The language a message is written in, or None when it cannot be told reliably."""
    if HAN.search(text):
        return "zh_Hant"
    if len(CYRILLIC.findall(text)) >= 2:
        return "ru"
    if len(LATIN_LETTER.findall(text)) < MIN_LATIN_LETTERS:
        return None
    confidences = detector().compute_language_confidence_values(text)
    best, runner_up = confidences[0], confidences[1]
    short = len(WORD.findall(text)) <= SHORT_MESSAGE_WORDS
    if best.value - runner_up.value < (MIN_CONFIDENCE_MARGIN_SHORT if short else MIN_CONFIDENCE_MARGIN):
        return None
    return LINGUA_TO_CODE[best.language]


def guess_language(text: str) -> str | None:
    """Like `detect_language`, but takes lingua's best guess when unsure.

    For a conversation that has no language yet, a likely guess beats the default language.
    """
    sure = detect_language(text)
    if sure or len(LATIN_LETTER.findall(text)) < MIN_LATIN_LETTERS:
        return sure
    return LINGUA_TO_CODE[detector().compute_language_confidence_values(text)[0].language]


@lru_cache(maxsize=1)
def detector():
    """lingua's detector for our languages (about 1.4 s to build; built once)."""
    return LanguageDetectorBuilder.from_languages(*LINGUA_TO_CODE).build()


def message_language(text: str, metadata: object, intent: str | None) -> str | None:
    """The language this message sets for the conversation, or None to keep the current one.

    A language the visitor asks for wins, then the website's `metadata.language`, then detection.
    """
    requested = requested_language(text) if intent == "change_language" else None
    tagged = normalize_tag(metadata.get("language")) if isinstance(metadata, dict) else None
    return requested or tagged or detect_language(text)
