"""Handoff conversations against the running assistant: emergency and crisis tickets, the
consent-first form (refusal, invalid contact, cancel), staff replies reaching the chat, the staff API."""
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest

from bot import tickets
from bot.i18n import catalogs
from bot.responses import placeholders

REFERENCE = re.compile(r"CP-[A-Z2-9]{6}")


def visitor():
    return f"test-{uuid.uuid4()}"


def text(language, key, **extra):
    return catalogs().text(language, key, {**placeholders(language, None), **extra})


def joined(replies):
    return "\n\n".join(r.get("text", "") for r in replies)


def open_ticket(queue, sender):
    found = [t for t in tickets.queue(queue) if t.conversation_id == sender]
    return found[0] if found else None


EMERGENCIES = {
    "en": "my son has been fitting for ten minutes and it won't stop",
    "zh_Hant": "孩子抽搐超過五分鐘了還沒停",
    "es": "mi hija no respira bien y tiene los labios morados",
    "fr": "mon fils convulse depuis dix minutes ça ne s'arrête pas",
    "pl": "syn ma drgawki od 10 minut i nie przestaje",
    "pt": "meu filho está convulsionando há dez minutos",
    "ro": "copilul are convulsii de 10 minute si nu se opreste",
    "ru": "у сына судороги уже десять минут не прекращаются",
}


@pytest.mark.parametrize("language", sorted(EMERGENCIES))
def test_emergency_number_first_then_staff_alerted_with_a_saved_ticket(server, queue, language):
    sender = visitor()
    replies = joined(server.say(sender, EMERGENCIES[language]))
    emergency = text(language, "utter_medical_emergency").split("\n\n")[0]
    alerted = replies.index(text(language, "utter_staff_alerted", reference="CP-XXXXXX")[:20])
    assert emergency in replies and replies.index(emergency) < alerted
    reference = REFERENCE.search(replies[alerted:]).group()
    ticket = tickets.get(queue, reference)
    assert (ticket.conversation_id, ticket.level, ticket.consent) == (sender, "emergency", False)
    assert ticket.language == language and ticket.transcript[0]["text"] == EMERGENCIES[language]


def test_crisis_makes_an_anonymous_ticket_and_escalating_again_updates_it(server, queue):
    sender = visitor()
    first = joined(server.say(sender, "i can't go on anymore, i want to kill myself", country="GB"))
    assert text("en", "utter_crisis").split("\n\n")[0] in first and "999" in first
    again = joined(server.say(sender, "she is not breathing and her lips are blue"))
    assert REFERENCE.search(first).group() == REFERENCE.search(again).group()
    ticket = open_ticket(queue, sender)
    assert ticket.level == "emergency" and ticket.country == "GB" and ticket.contact_name is None


def test_consent_form_with_an_invalid_contact_asked_again(server, queue):
    sender = visitor()
    consent = server.say(sender, "chciałabym porozmawiać z kimś z kliniki", language="pl")
    assert text("pl", "utter_ask_handoff_consent") in joined(consent)
    assert [b["payload"] for b in consent[-1]["buttons"]] == ["/affirm", "/deny", "/cancel"]
    assert joined(server.say(sender, "/affirm")) == text("pl", "utter_ask_contact_name")
    assert joined(server.say(sender, "Anna Nowak")) == text("pl", "utter_ask_contact_details")
    assert joined(server.say(sender, "600 12")).startswith(text("pl", "utter_invalid_contact_details"))
    assert joined(server.say(sender, "+48 600 123 456, anna@example.com")) == text("pl", "utter_ask_country")
    assert joined(server.say(sender, "Narnia")).startswith(text("pl", "utter_invalid_country"))
    assert joined(server.say(sender, "mieszkam w Polsce")).startswith(text("pl", "utter_ask_contact_language"))
    assert joined(server.say(sender, '/change_language{"language": "pl"}')) == text("pl", "utter_ask_handoff_description")
    done = joined(server.say(sender, "Pytanie o kwalifikację syna do programu"))
    reference = REFERENCE.search(done).group()
    assert done == text("pl", "utter_handoff_done", reference=reference, response_time="2 doby",
                        contact_language="Polski")
    ticket = tickets.get(queue, reference)
    assert ticket.consent and (ticket.contact_name, ticket.contact_phone, ticket.contact_email) == (
        "Anna Nowak", "+48600123456", "anna@example.com")
    assert (ticket.country, ticket.contact_language, ticket.level) == ("PL", "pl", "general")
    assert "Anna Nowak" not in json.dumps(ticket.transcript)  # form answers stay in the contact fields


def test_refusing_consent_stores_nothing(server, queue):
    sender = visitor()
    server.say(sender, "I'd like to book an evaluation for my daughter", language="en")
    assert joined(server.say(sender, "no")) == text("en", "utter_handoff_declined")
    assert open_ticket(queue, sender) is None


def test_the_form_can_be_cancelled_at_any_point(server, queue):
    sender = visitor()
    server.say(sender, "можно поговорить с сотрудником клиники", language="ru")
    server.say(sender, "да, даю согласие")
    assert joined(server.say(sender, "Иван")) == text("ru", "utter_ask_contact_details")
    assert joined(server.say(sender, "отмена, передумала")) == text("ru", "utter_handoff_cancelled")
    assert open_ticket(queue, sender) is None
    assert server.say(sender, "сколько стоит лечение")  # the conversation goes on normally


def test_clinical_question_is_not_answered_but_handed_to_a_clinician(server):
    replies = joined(server.say(visitor(), "can I stop his baclofen before the flight?", language="en"))
    assert text("en", "utter_clinical_question") in replies
    assert text("en", "utter_ask_handoff_consent") in replies


def test_urgent_symptom_gets_advice_then_the_consent_question_and_a_one_hour_target(server, queue):
    sender = visitor()
    replies = joined(server.say(sender, "od wczorajszej punkcji strasznie boli ja glowa, jak sie polozy to przechodzi",
                                language="pl", country="PL"))
    assert text("pl", "utter_urgent_symptom", emergency="112") in replies
    assert replies.endswith(text("pl", "utter_ask_handoff_consent"))
    for answer in ("tak, zgadzam się", "Ewa", "600 123 456", '/change_language{"language": "pl"}'):
        server.say(sender, answer)  # the country came with the page (metadata), so it is not asked
    done = joined(server.say(sender, "ból głowy po punkcji"))
    assert "1 godzina" in done
    ticket = tickets.get(queue, REFERENCE.search(done).group())
    assert (ticket.level, ticket.contact_phone, ticket.country) == ("urgent", "+48600123456", "PL")


def test_staff_reply_reaches_the_visitor_chat(server, queue, api_token):
    sender = visitor()
    replies = joined(server.say(sender, "mi hijo no respira bien, tiene los labios azules", language="es"))
    reference = REFERENCE.search(replies).group()
    assert server.staff_api(f"/tickets/{reference}/claim", api_token, {})[0] == 200
    status, ticket = server.staff_api(f"/tickets/{reference}/reply", api_token, {"text": "Le llamamos ahora."})
    assert status == 200 and ticket["status"] == "claimed"
    updates = json.loads(urllib.request.urlopen(
        f"{server.url}/webhooks/widget/history?session={sender}", timeout=10).read())
    assert [m["text"] for m in updates["messages"] if m["from"] == "staff"] == ["Le llamamos ahora."]
    status, ticket = server.staff_api(f"/tickets/{reference}", api_token)
    assert [e["action"] for e in ticket["events"]][-2:] == ["claimed", "reply"]


def test_staff_api_refuses_bad_requests(server, api_token):
    assert server.staff_api("/tickets", "wrong-token") == (401, {"error": "unauthorized"})
    assert server.staff_api("/tickets/CP-NOPE22", api_token) == (404, {"error": "not_found"})
    status, body = server.post(b"{not json", "/webhooks/staff/api/tickets/CP-NOPE22/note",
                               {"Authorization": f"Bearer {api_token}"})
    assert (status, body) == (400, {"error": "invalid_json"})
    reference = REFERENCE.search(joined(server.say(visitor(), EMERGENCIES["en"]))).group()
    assert server.staff_api(f"/tickets/{reference}/dance", api_token, {}) == (404, {"error": "unknown_action"})
    assert server.staff_api(f"/tickets/{reference}/note", api_token, {"text": " "}) == (409, {"error": "not_allowed"})
    status, queue = server.staff_api("/tickets?level=emergency&status=new", api_token)
    assert status == 200 and {t["level"] for t in queue["tickets"]} == {"emergency"}


def test_staff_pages_need_a_login(server):
    opener = urllib.request.build_opener(NoRedirect)
    for path in ("/webhooks/staff/", "/webhooks/staff/tickets/CP-ABCDEF"):
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(f"{server.url}{path}", timeout=10)
        assert redirected.value.code == 302 and redirected.value.headers["Location"].endswith("/login")
    request = urllib.request.Request(f"{server.url}/webhooks/staff/tickets/CP-ABCDEF/claim", data=b"csrf_token=x")
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=10)
    assert refused.value.code == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_every_documented_api_call_exists_and_needs_the_token(server):
    import yaml
    from bot.config import PROJECT_DIR

    spec = yaml.safe_load((PROJECT_DIR / "docs" / "staff-api.yaml").read_text(encoding="utf-8"))
    calls = [(method, path.replace("{reference}", "CP-ABCDEF").replace("{action}", "claim"))
             for path, methods in spec["paths"].items() for method in methods]
    assert len(calls) == 3
    for method, path in calls:
        answer = server.staff_api(path, "wrong-token", {} if method == "post" else None)
        assert answer == (401, {"error": "unauthorized"}), (method, path)
