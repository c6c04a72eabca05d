"""Escalations the handoff queue could not take, kept on local disk until it can.

When the database is down, `tickets.escalate` fails; the escalation (with the contact details the
visitor consented to give) is written here as one JSON file, and a background thread passes each
file to the queue once it answers again, then deletes it. Nothing is lost, and the visitor is told
their request will reach the staff. Files are readable by this user only and are removed when the
visitor deletes their conversation.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot import config, tickets

logger = logging.getLogger(__name__)


def keep(escalation: dict, directory: Path = config.OUTBOX_DIR) -> None:
    """Write one escalation (the keyword arguments of `tickets.escalate`) atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    contact: Optional[tickets.Contact] = escalation.get("contact")
    payload = {**escalation, "contact": asdict(contact) if contact else None}
    name = f"{time.time_ns()}-{uuid.uuid4().hex}.json"
    partial = directory / f".{name}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False)
    partial.rename(directory / name)


def flush(sessions: sessionmaker, directory: Path = config.OUTBOX_DIR) -> int:
    """Pass kept escalations to the queue, oldest first; stops at the first failure. Returns how many."""
    passed = 0
    for path in sorted(directory.glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        contact = payload.pop("contact")
        try:
            ticket = tickets.escalate(sessions, **payload, contact=tickets.Contact(**contact) if contact else None)
        except (SQLAlchemyError, tickets.TicketError):
            break
        path.unlink()
        passed += 1
        logger.info("kept escalation passed on as ticket %s, level %s", ticket.reference, ticket.level)
    return passed


def discard(conversation_id: str, directory: Path = config.OUTBOX_DIR) -> int:
    """The visitor deleted their conversation: its kept escalations go too."""
    gone = 0
    for path in directory.glob("*.json"):
        if json.loads(path.read_text(encoding="utf-8"))["conversation_id"] == conversation_id:
            path.unlink()
            gone += 1
    return gone


def start(connect, seconds: float = config.OUTBOX_RETRY_SECONDS, directory: Path = config.OUTBOX_DIR) -> None:
    """Flush every `seconds` in a daemon thread, with `connect()` giving the queue's sessions."""
    def run() -> None:
        while True:
            time.sleep(seconds)
            if any(directory.glob("*.json")):
                try:
                    flush(connect(), directory)
                except Exception as error:  # keep retrying; the files stay (no details: they may hold contacts)
                    logger.error("outbox flush failed: %s", type(error).__name__)

    threading.Thread(target=run, name="outbox", daemon=True).start()
