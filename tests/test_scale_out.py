"""Scale-out on existing engines: two Rasa instances sharing PostgreSQL (conversations and the
handoff queue) and Redis (Rasa's lock store, and widget events between instances)."""
import json
import re
import threading
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from bot import db, tickets
from bot.i18n import catalogs
from bot.responses import placeholders
from bot.processes import TOKEN, Assistant
from tests.services import Redis

REFERENCE = re.compile(r"CP-[A-Z2-9]{6}")


@pytest.fixture(scope="module")
def redis():
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def instances(postgres, redis, tmp_path_factory):
    name = f"scale_{uuid.uuid4().hex[:8]}"
    queue_url = postgres.new_database(f"{name}_queue")
    postgres.new_database(f"{name}_tracker")
    endpoints = {
        "tracker_store": {"type": "SQL", "dialect": "postgresql", "url": "127.0.0.1", "port": postgres.port,
                          "username": "postgres", "db": f"{name}_tracker"},
        "lock_store": {"type": "bot.lock_store.AtomicRedisLockStore", "url": "127.0.0.1", "port": redis.port, "db": 1},
    }
    db.connect(queue_url)  # migrate once, as a deployment step would
    started = [Assistant(queue_url, tmp_path_factory.mktemp(f"instance{i}"), endpoints, REDIS_URL=redis.url).start()
               for i in (1, 2)]
    yield started
    for instance in started:
        instance.stop()


def joined(replies):
    return "\n\n".join(r.get("text", "") for r in replies)


def text(language, key, **extra):
    return catalogs().text(language, key, {**placeholders(language, None), **extra})


def tracker_events(instance, sender):
    url = f"{instance.url}/conversations/{sender}/tracker?token={TOKEN}"
    return json.loads(urllib.request.urlopen(url, timeout=30).read())["events"]


def test_a_conversation_carries_over_between_instances(instances):
    first, second = instances
    sender = f"scale-{uuid.uuid4()}"
    assert joined(first.say(sender, "ile kosztuje leczenie", language="pl")).startswith(text("pl", "utter_disclosure"))
    reply = joined(second.say(sender, "jak długo trwa pobyt"))
    assert not reply.startswith(text("pl", "utter_disclosure"))  # the other instance knows the session
    assert text("pl", "utter_program_duration") in reply
    # the handoff form, question by question on alternating instances
    first.say(sender, "chcę porozmawiać z kimś z kliniki")
    assert joined(second.say(sender, "tak, zgadzam się")) == text("pl", "utter_ask_contact_name")
    assert joined(first.say(sender, "Ewa Nowak")) == text("pl", "utter_ask_contact_details")
    assert joined(second.say(sender, "+48 600 123 456")) == text("pl", "utter_ask_country")
    first.say(sender, "Polska")
    second.say(sender, '/change_language{"language": "pl"}')
    reference = REFERENCE.search(joined(first.say(sender, "pytanie o program"))).group()
    ticket = tickets.get(db.connect(first.env["DATABASE_URL"]), reference)
    assert (ticket.contact_name, ticket.contact_phone) == ("Ewa Nowak", "+48600123456")


def test_concurrent_messages_of_one_conversation_are_processed_in_order(instances):
    sender = f"scale-{uuid.uuid4()}"
    messages = ["what is cerebral palsy", "how much does it cost", "how long is the stay",
                "is it approved by the fda", "what are the risks", "thank you"]
    threads = [threading.Thread(target=instances[i % 2].say, args=(sender, m)) for i, m in enumerate(messages)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = [e for e in tracker_events(instances[0], sender) if e["event"] in ("user", "action")]
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    assert sorted(events[i]["text"] for i in users) == sorted(messages)
    # the lock store serialises them: each message's actions end with action_listen before the next
    for start, end in zip(users, users[1:] + [len(events)]):
        turn = [e.get("name") for e in events[start + 1:end]]
        assert turn and turn[-1] == "action_listen" and "action_listen" not in turn[:-1], turn


def test_escalating_on_both_instances_at_once_makes_one_ticket(instances):
    sender = f"scale-{uuid.uuid4()}"
    message = "my son has been fitting for ten minutes and it won't stop"
    replies = [None, None]

    def say(i):
        replies[i] = joined(instances[i].say(sender, message))
    threads = [threading.Thread(target=say, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {REFERENCE.search(r).group() for r in replies} == {REFERENCE.search(replies[0]).group()}
    found = [t for t in tickets.queue(db.connect(instances[0].env["DATABASE_URL"])) if t.conversation_id == sender]
    assert len(found) == 1


def test_a_staff_reply_reaches_the_visitor_on_the_other_instance(instances, browser):
    first, second = instances
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{first.url}/webhooks/chat/?lang=en")  # the visitor's socket is on the first instance
    page.locator("#cpw-input").fill("she is not breathing and her lips are blue")
    page.locator("#cpw-input").press("Enter")
    expect(page.locator(".cpw-log")).to_contain_text(REFERENCE, timeout=30000)
    reference = REFERENCE.search(page.locator(".cpw-log").inner_text()).group()
    from bot import staff_accounts
    queue = db.connect(second.env["DATABASE_URL"])
    name = f"nurse-{uuid.uuid4().hex[:6]}"
    staff_accounts.create_user(queue, name, "a long test passphrase")
    token = staff_accounts.create_api_token(queue, name)
    status, _ = second.staff_api(f"/tickets/{reference}/reply", token, {"text": "An ambulance is on its way?"})
    assert status == 200  # sent through the second instance
    expect(page.locator(".cpw-staff")).to_contain_text("An ambulance is on its way?")
    context.close()
