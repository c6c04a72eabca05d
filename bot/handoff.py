"""The handoff form's plain logic: reading contact details, country and language from what a
visitor types, the conversation's most serious triage, and the transcript kept in a ticket.

Works on Rasa events as dictionaries (what the action server receives), so it is tested without Rasa.
"""
from __future__ import annotations

import difflib
import os
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

import phonenumbers
from babel import Locale
from babel.dates import format_timedelta
from email_validator import EmailNotValidError, validate_email

from bot import config, knowledge
from bot.emergency import normalize_country
from bot.i18n import languages
from bot.language import fold, normalize_tag, requested_language
from bot.tickets import LEVELS, response_target

MAX_NAME_CHARS = 200
# Form questions whose answers are personal: kept out of transcripts.
CONTACT_ANSWERS = ("contact_name", "contact_details", "country", "contact_language")
FORM_ANSWERS = CONTACT_ANSWERS + ("handoff_description",)
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def read_name(text: str) -> Optional[str]:
    """A name as typed (whitespace tidied), or None if it holds no letter, is a command or too long."""
    name = " ".join(text.split())
    if not name or name.startswith("/") or len(name) > MAX_NAME_CHARS or not LETTER.search(name):
        return None
    return name


def read_description(text: str) -> Optional[str]:
    """The visitor's description, or None if empty, only a command, or longer than a message may be."""
    description = text.strip()
    if not description or description.startswith("/") or len(description) > config.MAX_MESSAGE_CHARS:
        return None
    return description


def read_contact(text: str, country: Optional[str] = None) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """(e-mail, phone in E.164) found in `text`, or None when neither is valid.

    A phone number needs its country code unless the visitor's country is known. A word with "@"
    that is not a valid address makes the whole answer invalid, so a typo is asked again rather
    than silently dropped.
    """
    email = None
    rest = []
    for word in text.replace(",", " ").replace(";", " ").split():
        if "@" in word:
            try:
                email = validate_email(word.strip(".<>()"), check_deliverability=False).normalized
            except EmailNotValidError:
                return None
        else:
            rest.append(word)
    phone = None
    region = normalize_country(country) or "ZZ"
    for match in phonenumbers.PhoneNumberMatcher(" ".join(rest), region):
        phone = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        break
    if phone is None and re.search(r"\d{4}", " ".join(rest)):
        return None  # digits that are not a valid number: ask again
    return (email, phone) if email or phone else None


@lru_cache(maxsize=1)
def _country_names() -> Dict[str, str]:
    """Folded country names in our eight languages (and English aliases) → ISO code."""
    names: Dict[str, str] = {}
    for language in languages():
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and normalize_country(code):
                names.setdefault(fold(name), code)
    for alias, code in knowledge.load("handoff")["country_aliases"].items():
        names.setdefault(fold(alias), code)
    return names


def read_country(text: str) -> Optional[str]:
    """The ISO code of the country named in `text` ("Polska", "i live in poland", "PL"), or None."""
    folded = " ".join(fold(text).split()).strip(" .!?")
    if len(folded) == 2 and folded.isascii():
        return normalize_country(folded)
    names = _country_names()
    if folded in names:
        return names[folded]
    found = [name for name in names if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded)]
    if found:
        return names[max(found, key=len)]
    # Inflected or mistyped: "w Polsce", "во Франции", "polnad" (one-word names of 5+ letters).
    words = [w for w in re.findall(r"\w+", folded) if len(w) >= 4]
    close = [(difflib.SequenceMatcher(None, word, name).ratio(), name) for word in words
             for name in names if " " not in name and len(name) >= 5 and _same_stem(word, name)]
    return names[max(close)[1]] if close else None


def _same_stem(word: str, name: str) -> bool:
    """Whether a word is the name inflected (same start, different ending) or with a small typo."""
    stem = len(os.path.commonprefix([word, name]))
    return (stem >= max(4, len(name) - 2) and abs(len(word) - len(name)) <= 3) or \
        difflib.SequenceMatcher(None, word, name).ratio() >= 0.85


def read_language(text: str, button_language: Optional[str] = None) -> Optional[str]:
    """The preferred language: one named in the message ("po polsku"), else a language button's."""
    if text.startswith("/"):
        return normalize_tag(button_language)
    return requested_language(text)


def response_time_text(level: str, language: str) -> str:
    """The target response time for a level, in words of the visitor's language ("2 dni")."""
    return format_timedelta(response_target(level), locale=language)


def conversation_triage(events: Iterable[Mapping]) -> Tuple[str, str, Optional[float]]:
    """(level, reason, confidence) for a ticket: the most serious red flag this session, else the
    request that started the handoff ("general"). Names, numbers and countries typed into the
    contact form are not symptoms and do not count; the description does."""
    found: List[Tuple[str, str, Optional[float]]] = []
    latest_intent = None
    for event, requested in _with_requested_slot(_this_session(events)):
        if event.get("event") != "user" or requested in CONTACT_ANSWERS:
            continue
        parse = event.get("parse_data") or {}
        triage = parse.get("triage")
        if triage:
            found.append((triage["level"], triage["reason"], triage.get("confidence")))
        latest_intent = (parse.get("intent") or {}).get("name") or latest_intent
    if found:
        return min(found, key=lambda t: LEVELS.index(t[0]))
    return "general", f"intent {latest_intent}", None


def _with_requested_slot(events: Iterable[Mapping]) -> Iterator[Tuple[Mapping, Optional[str]]]:
    """Each event with the form question being asked when it happened (None outside the form)."""
    requested = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "active_loop" and not event.get("name"):
            requested = None
        yield event, requested


def _this_session(events: Iterable[Mapping]) -> List[Mapping]:
    events = list(events)
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1]:] if starts else events


def transcript(events: Iterable[Mapping]) -> List[Dict[str, str]]:
    """The conversation as staff read it: who wrote what, when (UTC, ISO 8601).

    Answers to the contact form are left out (marked `withheld`): with consent they are in the
    ticket's contact fields, and after a refusal or a cancel they must not reach staff at all.
    """
    lines = []
    for event, requested in _with_requested_slot(events):
        kind = event.get("event")
        if kind == "user" and requested in FORM_ANSWERS:
            lines.append({"from": "visitor", "text": "", "withheld": requested, "at": _iso(event)})
            continue
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        staff = (event.get("metadata") or {}).get("staff")
        author = "visitor" if kind == "user" else ("staff" if staff else "assistant")
        lines.append({"from": author, "text": event["text"], "at": _iso(event), **({"staff": staff} if staff else {})})
    return lines


def _iso(event: Mapping) -> str:
    return datetime.fromtimestamp(event.get("timestamp") or 0, timezone.utc).isoformat(timespec="seconds")

