"""Reading the handoff form's answers as visitors type them, in every language."""
import pytest

from bot import handoff
from bot.i18n import languages


@pytest.mark.parametrize("text, country, expected", [
    ("anna.nowak@example.com", None, ("anna.nowak@example.com", None)),
    ("+48 600 123 456", None, (None, "+48600123456")),
    ("0048 600-123-456", None, None),               # 00 prefix without a known country: ask again
    ("600 123 456", "PL", (None, "+48600123456")),  # national format once the country is known
    ("call me +44 7911 123456 or jo@x.co.uk", None, ("jo@x.co.uk", "+447911123456")),
    ("тел. +7 912 345-67-89", None, (None, "+79123456789")),
    ("我的電話 +886 912 345 678", None, (None, "+886912345678")),
    ("anna@example", None, None),       # no domain
    ("anna@example,com", None, None),   # comma typo
    ("600 123", None, None),
    ("tomorrow morning", None, None),
    ("", None, None),
])
def test_contact_details(text, country, expected):
    assert handoff.read_contact(text, country) == expected


@pytest.mark.parametrize("text, expected", [
    ("Polska", "PL"), ("i live in poland", "PL"), ("pl", "PL"), ("Польша", "PL"), ("Россия", "RU"),
    ("台灣", "TW"), ("香港", "HK"), ("România", "RO"), ("romania", "RO"), ("Rumunia", "RO"),
    ("España", "ES"), ("espana", "ES"), ("the UK", "GB"), ("Brasil", "BR"), ("Portugal", "PT"),
    ("estamos en México", "MX"), ("Francja", "FR"), ("xx", None), ("somewhere", None),
    ("mieszkam w Polsce", "PL"), ("живу в России", "RU"), ("w Niemczech", "DE"), ("in germny", "DE"),
    ("na Ukrainie", "UA"), ("we are from malinowo", None), ("Narnia", None),
])
def test_country(text, expected):
    assert handoff.read_country(text) == expected


@pytest.mark.parametrize("text, button, expected", [
    ("Polski", None, "pl"), ("po polsku prosze", None, "pl"), ("english is fine", None, "en"),
    ("Русский", None, "ru"), ("中文繁體", None, "zh_Hant"), ("en français", None, "fr"),
    ('/change_language{"language": "ro"}', "ro", "ro"), ("hmm not sure", None, None),
])
def test_preferred_language(text, button, expected):
    assert handoff.read_language(text, button) == expected


@pytest.mark.parametrize("text, expected", [
    ("Anna Nowak", "Anna Nowak"), ("  José   García ", "José García"), ("王小明", "王小明"),
    ("12345", None), ("", None), ("/request_human", None), ("a" * 201, None),
])
def test_name(text, expected):
    assert handoff.read_name(text) == expected


@pytest.mark.parametrize("language", languages())
def test_response_time_in_every_language(language):
    texts = {handoff.response_time_text(level, language) for level in ("emergency", "clinical", "general")}
    assert len(texts) == 3 and all(any(c.isdigit() for c in t) for t in texts)


def user(text, triage=None, intent="greet", **extra):
    parse = {"intent": {"name": intent}, **({"triage": triage} if triage else {})}
    return {"event": "user", "text": text, "parse_data": parse, "timestamp": 1_700_000_000, **extra}


def test_conversation_triage_takes_the_most_serious_of_the_session():
    events = [
        user("old", {"level": "emergency", "reason": "pattern", "confidence": 1.0}),
        {"event": "session_started"},
        user("dose?", {"level": "clinical", "reason": "intent clinical_question 0.8", "confidence": 0.8}),
        user("breathing", {"level": "emergency", "reason": "pattern emergency/breathing", "confidence": 1.0}),
        user("talk to someone", intent="request_human"),
    ]
    assert handoff.conversation_triage(events) == ("emergency", "pattern emergency/breathing", 1.0)
    assert handoff.conversation_triage([user("hi", intent="request_human")]) == ("general", "intent request_human", None)


def test_contact_answers_are_not_symptoms_but_the_description_is():
    urgent = {"level": "urgent", "reason": "intent urgent_symptom 0.44", "confidence": 0.44}
    events = [
        user("talk to a person", intent="request_human"),
        {"event": "slot", "name": "requested_slot", "value": "contact_details"},
        user("+48 600 123 456", urgent),
    ]
    assert handoff.conversation_triage(events)[0] == "general"
    events += [{"event": "slot", "name": "requested_slot", "value": "handoff_description"},
               user("fever since the infusion", urgent)]
    assert handoff.conversation_triage(events)[0] == "urgent"


def test_transcript_withholds_form_answers():
    events = [
        user("my son has cp"),
        {"event": "bot", "text": "Hello", "timestamp": 1_700_000_001},
        {"event": "slot", "name": "requested_slot", "value": "contact_name"},
        user("Anna Nowak"),
        {"event": "slot", "name": "requested_slot", "value": "contact_details"},
        user("+48 600 123 456"),
        {"event": "active_loop", "name": None},
        user("thanks"),
        {"event": "bot", "text": "We will call you", "metadata": {"staff": "marie"}, "timestamp": 1_700_000_009},
    ]
    lines = handoff.transcript(events)
    assert [line["from"] for line in lines] == ["visitor", "assistant", "visitor", "visitor", "visitor", "staff"]
    assert "Anna Nowak" not in str(lines) and "600" not in str(lines)
    assert [line.get("withheld") for line in lines][2:4] == ["contact_name", "contact_details"]
    assert lines[-1]["staff"] == "marie"
