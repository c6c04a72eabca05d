"""Faults: the action server or the database dies mid-conversation, floods and bad requests at
volume. The visitor always gets a clear answer in their language, and the conversation resumes."""
import json
import re
import threading
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
    running = Assistant(url, tmp_path_factory.mktemp("faults"), RATE_LIMIT_MESSAGES="8").start()
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


def test_database_down_then_back(assistant, postgres):
    sender = f"fault-{uuid.uuid4()}"
    postgres.pause()
    try:
        reply = joined(assistant.say(sender, EMERGENCY, language="pl", country="PL"))
    finally:
        postgres.resume()
    assert text("pl", "utter_medical_emergency", "PL").split("\n\n")[0] in reply  # the number first, always
    assert text("pl", "utter_handoff_unavailable", "PL") in reply
    reply = joined(assistant.say(sender, EMERGENCY))
    reference = REFERENCE.search(reply).group()
    ticket = tickets.get(db.connect(assistant.env["DATABASE_URL"]), reference)
    assert ticket.conversation_id == sender and ticket.level == "emergency"


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
