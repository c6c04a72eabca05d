"""Escalations kept on disk while the queue is down, passed on when it is back."""
import stat

from sqlalchemy.exc import OperationalError

from bot import db, outbox, tickets

CONTACT = tickets.Contact(name="Ana", email="ana@example.com", phone=None, language="es", description="cita")


def escalation(conversation_id, **extra):
    return dict(conversation_id=conversation_id, level="emergency", reason="pattern emergency/seizure",
                language="es", transcript=[{"from": "visitor", "text": "convulsiona"}], confidence=1.0,
                country="ES", contact=None, **extra)


def test_kept_escalations_become_tickets_in_order_with_their_contact_details(database_url, tmp_path):
    queue = db.connect(database_url)
    outbox.keep(escalation("c1"), tmp_path)
    outbox.keep({**escalation("c2"), "level": "urgent", "contact": CONTACT}, tmp_path)
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 2 and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert outbox.flush(queue, tmp_path) == 2
    by_conversation = {t.conversation_id: t for t in tickets.queue(queue)}
    assert by_conversation["c1"].level == "emergency"
    assert (by_conversation["c2"].contact_email, by_conversation["c2"].description) == ("ana@example.com", "cita")
    assert not list(tmp_path.glob("*.json"))


def test_a_flush_while_the_queue_is_still_down_keeps_everything(tmp_path, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connect", {}, Exception("refused"))
    monkeypatch.setattr(tickets, "escalate", down)
    outbox.keep(escalation("c1"), tmp_path)
    assert outbox.flush(None, tmp_path) == 0
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_deleting_a_conversation_discards_its_kept_escalations(tmp_path):
    outbox.keep(escalation("mine"), tmp_path)
    outbox.keep(escalation("other"), tmp_path)
    assert outbox.discard("mine", tmp_path) == 1
    assert outbox.discard("nobody", tmp_path) == 0
    assert len(list(tmp_path.glob("*.json"))) == 1
