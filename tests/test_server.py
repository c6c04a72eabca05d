"""The running assistant over its real REST channel: languages, bad input, restarts.

Uses the `server` fixture (tests/conftest.py): the Rasa and action servers, as `make run` starts them.
"""
import json
import urllib.error
import urllib.request
import uuid

import pytest

from bot.i18n import catalogs
from bot.responses import placeholders
from bot.processes import TOKEN

def joined(replies):
    """Rasa's REST channel sends each paragraph as its own message."""
    return "\n\n".join(r["text"] for r in replies)


def visitor():
    return f"test-{uuid.uuid4()}"


def text(language, key):
    return catalogs().text(language, key, placeholders(language, None))


QUESTIONS = {
    "en": "how long would we have to stay at the clinic",
    "zh_Hant": "要在醫院住多久",
    "es": "cuanto tiempo hay que quedarse en la clinica",
    "fr": "combien de temps dure le séjour à la clinique",
    "pl": "jak długo trwa pobyt w klinice",
    "pt": "quanto tempo dura a estadia na clínica",
    "ro": "cât timp trebuie să stăm în clinică",
    "ru": "сколько дней нужно провести в клинике",
}


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_answers_in_the_visitor_language_with_the_disclosure_first(server, language):
    reply = joined(server.say(visitor(), QUESTIONS[language]))
    assert reply.startswith(text(language, "utter_disclosure"))
    assert text(language, "utter_program_duration") in reply


def test_website_language_wins_and_the_language_stays(server):
    sender = visitor()
    assert joined(server.say(sender, "hello", language="ru")).startswith(text("ru", "utter_disclosure"))
    sender = visitor()
    server.say(sender, "jak długo trwa pobyt w klinice")
    assert server.say(sender, "ok")[0]["text"] == text("pl", "utter_anything_else")


def test_country_sets_the_emergency_number(server):
    reply = joined(server.say(visitor(), "quanto custa o tratamento", language="pt", country="BR"))
    assert reply.startswith(catalogs().text("pt", "utter_disclosure", {"emergency": "192"}))


def test_buttons_switch_language_in_place(server):
    sender = visitor()
    server.say(sender, "what is cerebral palsy")
    replies = server.say(sender, '/change_language{"language": "ro"}')
    assert replies[0]["text"] == text("ro", "utter_language_changed")
    assert [b["title"] for b in replies[0]["buttons"]][-1] == "Русский"


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_empty_messages_get_a_clear_answer(server, message):
    replies = server.say(visitor(), message, language="es")
    assert replies[0]["text"] == text("es", "error_empty_message")


@pytest.mark.parametrize(
    "message",
    [
        "👍🙏😢",
        "<script>alert('x')</script> what is CP?",
        "<b>bold</b> <img src=x onerror=alert(1)>",
        "我的兒子 has CP, сколько стоит лечение?",
        "how much does it cost? " * 208,  # 4,992 characters
    ],
)
def test_odd_messages_get_a_reply_not_an_error(server, message):
    replies = server.say(visitor(), message)
    assert replies and all(r.get("text") for r in replies)
    assert not any("<script>" in r["text"] for r in replies)


def test_too_long_message_is_refused_in_the_visitor_language(server):
    status, answer = server.post(json.dumps(
        {"sender": visitor(), "message": "a" * 5001, "metadata": {"language": "pl"}}).encode())
    assert status == 413
    assert answer == {"error": "message_too_long", "message": text("pl", "error_message_too_long")}


@pytest.mark.parametrize("raw", [b"{not json", b'{"sender": "x"}', b"[]", b'{"sender": 1, "message": "hi"}'])
def test_malformed_requests_get_a_4xx_that_says_why(server, raw):
    status, answer = server.post(raw)
    assert status == 400
    assert answer["error"] and answer["message"] == text("en", "error_bad_request")


def test_http_api_needs_the_token(server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{server.url}/conversations/someone/tracker", timeout=10)
    assert refused.value.code in (401, 403)


def test_chat_page_is_served_in_the_browser_language(server):
    request = urllib.request.Request(f"{server.url}/webhooks/chat/", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    page = urllib.request.urlopen(request, timeout=10).read().decode()
    assert f"<title>{text('pl', 'page_title')}</title>" in page
    assert '<html lang="pl">' in page


def test_conversations_survive_a_restart(server):
    sender = visitor()
    server.say(sender, "cât timp trebuie să stăm în clinică")
    server.stop_rasa()
    server.start_rasa()
    assert server.say(sender, "ok")[0]["text"] == text("ro", "utter_anything_else")
    url = f"{server.url}/conversations/{sender}/tracker?token={TOKEN}"
    events = json.loads(urllib.request.urlopen(url, timeout=10).read())["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["cât timp trebuie să stăm în clinică", "ok"]
