"""Faults: the action server or the database dies mid-conversation, floods and bad requests at
volume. The visitor always gets a clear answer in their language, and the conversation resumes."""
import json
import re
import threading
import time
import uuid

import pytest

from bot import db, tickets
from bot.i18n import catalogs
from bot.processes import Assistant
from bot.responses import placeholders

REFERENCE = re.compile(r"CP-[A-Z2-9]{6}")
EMERGENCY = "syn ma drgawki od 10 minut i nie przestaje"


@pytest.fixture(scope="module")
def assistant(postgres, tmp_path_factory):
    """Its own assistant (these tests kill its processes), with the queue on PostgreSQL."""
    url = postgres.new_database(f"faults_{uuid.uuid4().hex[:8]}")
    logs = tmp_path_factory.mktemp("faults")
    running = Assistant(url, logs, RATE_LIMIT_MESSAGES="8", OUTBOX_DIR=str(logs / "outbox"),
                        OUTBOX_RETRY_SECONDS="1").start()
    yield running
    running.stop()


def text(language, key, country=None):
    return catalogs().text(language, key, placeholders(language, country))


def joined(replies):
    return "\n\n".join(r.get("text", "") for r in replies)


def test_action_server_down_then_back(assistant):
    sender = f"fault-{uuid.uuid4()}"
    assistant.kill_actions()
    try:
        reply = joined(assistant.say(sender, EMERGENCY, language="pl", country="PL"))
        assert text("pl", "error_service_unavailable", "PL") in reply  # "try again" and the number 112
    finally:
        assistant.start_actions()
    reply = joined(assistant.say(sender, EMERGENCY))
    assert text("pl", "utter_medical_emergency", "PL").split("\n\n")[0] in reply
    assert REFERENCE.search(reply)


def wait_for_ticket(assistant, sender, seconds=30):
    queue = db.connect(assistant.env["DATABASE_URL"])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [t for t in tickets.queue(queue) if t.conversation_id == sender]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"no ticket for {sender} after {seconds} s")


def test_database_down_then_back_loses_no_ticket_and_no_contact_detail(assistant, postgres):
    emergency, form = f"fault-{uuid.uuid4()}", f"fault-{uuid.uuid4()}"
    assistant.say(form, "chciałabym porozmawiać z kimś z kliniki", language="pl", country="PL")
    for answer in ("tak, zgadzam się", "Anna Nowak", "anna@example.com", '/change_language{"language": "pl"}'):
        assistant.say(form, answer)
    postgres.pause()
    try:
        reply = joined(assistant.say(emergency, EMERGENCY, language="pl", country="PL"))
        done = joined(assistant.say(form, "Pytanie o kwalifikację syna"))
    finally:
        postgres.resume()
    assert text("pl", "utter_medical_emergency", "PL").split("\n\n")[0] in reply  # the number first, always
    assert text("pl", "utter_handoff_kept", "PL") in reply and text("pl", "utter_handoff_kept", "PL") in done
    # passed on by the action server once the database answers again, with no further message
    assert wait_for_ticket(assistant, emergency).level == "emergency"
    ticket = wait_for_ticket(assistant, form)
    assert (ticket.contact_name, ticket.contact_email, ticket.description) == (
        "Anna Nowak", "anna@example.com", "Pytanie o kwalifikację syna")
    assert not list((assistant.log_dir / "outbox").glob("*.json"))
    reply = joined(assistant.say(emergency, EMERGENCY))  # and the conversation goes on with its ticket
    assert REFERENCE.search(reply).group() == wait_for_ticket(assistant, emergency).reference


def test_rasa_server_killed_under_load_then_back(assistant):
    """Killed (SIGKILL) while visitors are talking: after the restart every conversation goes on where
    it was, the handoff form included, and its ticket is made once with the details given before."""
    form = f"fault-{uuid.uuid4()}"
    assistant.say(form, "chcę porozmawiać z kimś z kliniki", language="pl", country="PL")
    assistant.say(form, "tak, zgadzam się")
    assert joined(assistant.say(form, "Jan Kowalski")) == text("pl", "utter_ask_contact_details")
    outcomes = []
    stop = threading.Event()

    def visitor():
        while not stop.is_set():
            try:
                outcomes.append(assistant.post(json.dumps({"sender": f"load-{uuid.uuid4()}", "message": "ile kosztuje leczenie",
                                                           "metadata": {"language": "pl"}}).encode())[0])
            except OSError:  # refused or reset while the server is down
                outcomes.append("down")
                time.sleep(0.2)

    load = [threading.Thread(target=visitor) for _ in range(4)]
    for thread in load:
        thread.start()
    time.sleep(2)
    assistant.rasa.kill()
    assistant.rasa.wait(timeout=30)
    time.sleep(1)
    served_before = outcomes.count(200)
    assistant.start_rasa()
    restarted = len(outcomes)
    time.sleep(2)
    stop.set()
    for thread in load:
        thread.join()
    assert served_before and "down" in outcomes[:restarted] and 200 in outcomes[restarted:]
    assert set(outcomes) <= {200, "down"}
    # the form goes on from the question it was at
    assert joined(assistant.say(form, "jan@example.com")).startswith(text("pl", "utter_ask_contact_language"))
    assistant.say(form, '/change_language{"language": "pl"}')
    reference = REFERENCE.search(joined(assistant.say(form, "Pytanie o rehabilitację"))).group()
    ticket = wait_for_ticket(assistant, form)
    assert (ticket.reference, ticket.contact_name, ticket.contact_email) == (reference, "Jan Kowalski", "jan@example.com")


def test_floods_and_bad_requests_get_4xx_while_others_are_served(assistant):
    bad = [b"{not json", b"[]", b'{"sender": 1, "message": "x"}', json.dumps(
        {"sender": "big", "message": "a" * 6000}).encode(), b"x" * 70_000]
    statuses = []

    def attack():
        for i in range(30):
            statuses.append(assistant.post(bad[i % len(bad)])[0])
        flooder = f"flood-{uuid.uuid4()}"
        for _ in range(12):
            statuses.append(assistant.post(json.dumps({"sender": flooder, "message": "hi"}).encode())[0])

    attackers = [threading.Thread(target=attack) for _ in range(4)]
    for thread in attackers:
        thread.start()
    visitor = f"fault-{uuid.uuid4()}"
    served = [joined(assistant.say(visitor, q, language="en")) for q in
              ("what is cerebral palsy", "how much does it cost", "how long is the stay")]
    for thread in attackers:
        thread.join()
    assert all(served)
    assert set(statuses) <= {200, 400, 413, 429}
    assert statuses.count(400) + statuses.count(413) == 4 * 30
    assert statuses.count(429) == 4 * (12 - 8)  # each flooder is cut off after the limit
    status, answer = assistant.post(json.dumps({"sender": "flood-x", "message": "hi", "metadata": {"language": "ro"}}).encode())
    assert status == 200
