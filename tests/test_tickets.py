"""The handoff queue against SQLite and a real PostgreSQL server."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, inspect

from bot import db, staff_accounts, tickets
from bot.tickets import Contact, TicketError

TRANSCRIPT = [{"from": "visitor", "text": "he is fitting", "at": "2026-11-24T10:00:00+00:00"}]


def fresh(url):
    db.connect.cache_clear()
    return db.connect(url)


def test_migrations_create_every_table(database_url):
    fresh(database_url)
    names = set(inspect(create_engine(database_url)).get_table_names())
    assert {"tickets", "ticket_events", "staff_users", "staff_sessions", "api_tokens", "alembic_version"} <= names
    db.migrate(database_url)  # running again changes nothing


def test_a_ticket_survives_a_restart(database_url):
    ticket = tickets.escalate(fresh(database_url), "c1", "emergency", "pattern emergency/seizure", "pl",
                              TRANSCRIPT, 1.0, "PL")
    again = tickets.get(fresh(database_url), ticket.reference)  # new engine, as after a restart
    assert (again.level, again.language, again.country, again.transcript) == ("emergency", "pl", "PL", TRANSCRIPT)
    assert again.consent is False and again.contact_name is None
    assert [(e.actor, e.action) for e in again.events] == [("assistant", "created")]


def test_escalating_twice_updates_the_open_ticket(database_url):
    sessions = fresh(database_url)
    first = tickets.escalate(sessions, "c1", "clinical", "intent clinical_question 0.81", "en", [])
    second = tickets.escalate(sessions, "c1", "emergency", "pattern emergency/breathing", "en", TRANSCRIPT)
    third = tickets.escalate(sessions, "c1", "general", "intent request_human", "en", TRANSCRIPT)
    assert first.reference == second.reference == third.reference
    ticket = tickets.get(sessions, first.reference)
    assert ticket.level == "emergency"  # never lowered
    assert [e.action for e in ticket.events] == ["created", "escalated"]
    assert len(tickets.queue(sessions)) == 1


def test_concurrent_escalations_make_one_ticket(database_url):
    sessions = fresh(database_url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(
            lambda i: tickets.escalate(sessions, "same", "emergency", "pattern", "en", []).reference, range(16)
        ))
    assert len(set(refs)) == 1
    assert len(tickets.queue(sessions)) == 1


def test_contact_details_only_with_consent(database_url):
    sessions = fresh(database_url)
    contact = Contact("Anna Nowak", "anna@example.com", "+48600123456", "pl", "pytanie o dawkę")
    ticket = tickets.escalate(sessions, "c2", "clinical", "intent", "pl", [], contact=contact)
    stored = tickets.get(sessions, ticket.reference)
    assert stored.consent and (stored.contact_name, stored.contact_phone) == ("Anna Nowak", "+48600123456")


def test_queue_order_and_filters(database_url):
    sessions = fresh(database_url)
    for conversation, level, language in [("a", "general", "en"), ("b", "clinical", "pl"),
                                          ("c", "emergency", "ru"), ("d", "clinical", "en")]:
        tickets.escalate(sessions, conversation, level, "r", language, [])
    assert [t.conversation_id for t in tickets.queue(sessions)] == ["c", "b", "d", "a"]
    assert [t.conversation_id for t in tickets.queue(sessions, levels=["clinical"])] == ["b", "d"]
    assert [t.conversation_id for t in tickets.queue(sessions, languages=["en"])] == ["d", "a"]


def test_staff_actions_are_audited(database_url):
    sessions = fresh(database_url)
    ref = tickets.escalate(sessions, "c3", "urgent", "intent urgent_symptom 0.7", "fr", []).reference
    tickets.act(sessions, ref, "marie", "claim")
    tickets.act(sessions, ref, "marie", "note", "called back, no answer")
    tickets.act(sessions, ref, "marie", "reply", "Bonjour, je vous rappelle.")
    tickets.act(sessions, ref, "marie", "resolve")
    with pytest.raises(TicketError):
        tickets.act(sessions, ref, "marie", "resolve")
    with pytest.raises(TicketError):
        tickets.act(sessions, ref, "marie", "note", "   ")
    tickets.act(sessions, ref, "paul", "reopen")
    ticket = tickets.get(sessions, ref)
    assert (ticket.status, ticket.assignee) == ("claimed", "marie")
    assert [(e.actor, e.action) for e in ticket.events] == [
        ("assistant", "created"), ("marie", "claimed"), ("marie", "note"), ("marie", "reply"),
        ("marie", "resolved"), ("paul", "reopened"),
    ]
    with pytest.raises(KeyError):
        tickets.act(sessions, "CP-NOPE22", "marie", "claim")


def test_a_resolved_conversation_escalating_again_gets_a_new_ticket(database_url):
    sessions = fresh(database_url)
    old = tickets.escalate(sessions, "c4", "crisis", "pattern crisis/suicide", "ro", []).reference
    tickets.act(sessions, old, "ana", "resolve")
    new = tickets.escalate(sessions, "c4", "clinical", "intent", "ro", []).reference
    assert new != old
    with pytest.raises(TicketError):  # two open tickets for one conversation are not allowed
        tickets.act(sessions, old, "ana", "reopen")


def test_staff_login_lockout_sessions_and_tokens(database_url, monkeypatch):
    sessions = fresh(database_url)
    staff_accounts.create_user(sessions, "anna", "a long passphrase")
    with pytest.raises(staff_accounts.AccountError):
        staff_accounts.create_user(sessions, "anna", "another long passphrase")
    with pytest.raises(staff_accounts.AccountError):
        staff_accounts.create_user(sessions, "bob", "short")
    assert staff_accounts.authenticate(sessions, "anna", "a long passphrase") == ("anna", "ok")
    assert staff_accounts.authenticate(sessions, "nobody", "a long passphrase") == (None, "invalid")
    monkeypatch.setattr("bot.config.LOGIN_MAX_FAILURES", 3)
    results = [staff_accounts.authenticate(sessions, "anna", "wrong")[1] for _ in range(3)]
    assert results == ["invalid", "invalid", "locked"]
    assert staff_accounts.authenticate(sessions, "anna", "a long passphrase") == (None, "locked")

    token, csrf = staff_accounts.start_session(sessions, "anna")
    assert staff_accounts.session_user(sessions, token) == ("anna", csrf)
    assert staff_accounts.session_user(sessions, token + "x") is None
    staff_accounts.end_session(sessions, token)
    assert staff_accounts.session_user(sessions, token) is None

    api = staff_accounts.create_api_token(sessions, "anna")
    assert staff_accounts.api_user(sessions, api) == "anna"
    assert staff_accounts.api_user(sessions, "guess") is None
    stored = create_engine(database_url).connect().exec_driver_sql("SELECT password_hash FROM staff_users").scalar()
    assert stored.startswith("$argon2")


def test_resolved_tickets_are_erased_after_the_retention_period(database_url):
    from datetime import timedelta

    sessions = fresh(database_url)
    contact = Contact("Ion Popescu", "ion@example.ro", None, "ro", "vreau o evaluare")
    old = tickets.escalate(sessions, "c5", "general", "intent", "ro", TRANSCRIPT, contact=contact).reference
    kept = tickets.escalate(sessions, "c6", "general", "intent", "ro", TRANSCRIPT, contact=contact).reference
    tickets.act(sessions, old, "ana", "note", "sunat, revine luni")
    tickets.act(sessions, old, "ana", "resolve")
    assert tickets.purge_expired(sessions, timedelta(days=90)) == 0  # resolved just now
    assert tickets.purge_expired(sessions, timedelta(seconds=-1)) == 1  # only the resolved one
    erased, open_ticket = tickets.get(sessions, old), tickets.get(sessions, kept)
    assert erased.erased_at and erased.contact_name is None and erased.transcript == []
    assert [e.text for e in erased.events if e.action == "note"] == [None]
    assert erased.events[-1].action == "erased"
    assert open_ticket.contact_name == "Ion Popescu" and open_ticket.erased_at is None
