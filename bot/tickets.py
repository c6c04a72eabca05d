"""The handoff queue: tickets that hand a conversation to clinic staff, with an audit trail.

Plain functions over a session factory from `bot.db.connect()`. Every change is committed before
the caller returns, so a visitor is only told about a ticket that exists.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, List, Optional, Sequence

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import knowledge
from bot.db import Ticket, TicketEvent, utcnow

# Most serious first; "general" is a handoff with no red flag (booking, "talk to a person").
LEVELS = ("emergency", "crisis", "urgent", "clinical", "general")
STATUSES = ("new", "claimed", "resolved")
ASSISTANT = "assistant"
# Staff actions, and how each is written in the audit trail.
AUDIT_NAMES = {"claim": "claimed", "note": "note", "reply": "reply", "resolve": "resolved", "reopen": "reopened"}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out on the phone


class TicketError(Exception):
    """A staff action that does not apply to the ticket (e.g. resolving a resolved ticket)."""


@dataclass(frozen=True)
class Contact:
    """What a visitor consented to give."""

    name: str
    email: Optional[str]
    phone: Optional[str]
    language: str
    description: str


def response_target(level: str) -> timedelta:
    """How soon staff aim to respond to a ticket of this level."""
    return timedelta(minutes=knowledge.load("handoff")["response_minutes"][level])


def more_serious(a: str, b: str) -> str:
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


def new_reference() -> str:
    return "CP-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def escalate(
    sessions: sessionmaker,
    conversation_id: str,
    level: str,
    reason: str,
    language: str,
    transcript: List[dict],
    confidence: Optional[float] = None,
    country: Optional[str] = None,
    contact: Optional[Contact] = None,
) -> Ticket:
    """Open a ticket for the conversation, or update its open one; committed on return.

    An update keeps the more serious level, refreshes the transcript and adds contact details
    (given only with consent). Two instances escalating the same conversation at once still make
    one ticket: the loser of the unique open-ticket index retries as an update.
    """
    for _attempt in range(3):
        with sessions() as session:
            ticket = _open_ticket(session, conversation_id)
            if ticket is None:
                ticket = Ticket(
                    reference=new_reference(), conversation_id=conversation_id, level=level,
                    reason=reason, confidence=confidence, language=language, country=country,
                    transcript=transcript, status="new",
                )
                session.add(ticket)
                _audit(ticket, ASSISTANT, "created", f"{level}: {reason}")
            else:
                if LEVELS.index(level) < LEVELS.index(ticket.level):
                    _audit(ticket, ASSISTANT, "escalated", f"{ticket.level} → {level}: {reason}")
                    ticket.level, ticket.reason, ticket.confidence = level, reason, confidence
                ticket.transcript = transcript
                ticket.country = country or ticket.country
                ticket.updated_at = utcnow()
            if contact is not None:
                _add_contact(ticket, contact)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return ticket
    raise TicketError("could not open a ticket after retries")


def _add_contact(ticket: Ticket, contact: Contact) -> None:
    ticket.consent = True
    ticket.contact_name = contact.name
    ticket.contact_email = contact.email
    ticket.contact_phone = contact.phone
    ticket.contact_language = contact.language
    ticket.description = contact.description
    _audit(ticket, ASSISTANT, "contact", None)


def _open_ticket(session: Session, conversation_id: str) -> Optional[Ticket]:
    return session.scalars(
        select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status != "resolved")
    ).first()


def _audit(ticket: Ticket, actor: str, action: str, text: Optional[str]) -> None:
    ticket.events.append(TicketEvent(actor=actor, action=action, text=text, at=utcnow()))
    ticket.updated_at = utcnow()


def queue(
    sessions: sessionmaker,
    statuses: Iterable[str] = ("new", "claimed"),
    levels: Iterable[str] = LEVELS,
    languages: Optional[Sequence[str]] = None,
) -> List[Ticket]:
    """Tickets to work on: most serious level first, then longest waiting."""
    rank = case({level: i for i, level in enumerate(LEVELS)}, value=Ticket.level)
    query = select(Ticket).where(Ticket.status.in_(list(statuses)), Ticket.level.in_(list(levels)))
    if languages:
        query = query.where(Ticket.language.in_(list(languages)))
    with sessions() as session:
        return list(session.scalars(query.order_by(rank, Ticket.created_at)))


def get(sessions: sessionmaker, reference: str) -> Optional[Ticket]:
    """One ticket with its audit trail, or None."""
    with sessions() as session:
        return session.scalars(
            select(Ticket).options(selectinload(Ticket.events)).where(Ticket.reference == reference)
        ).first()


def act(sessions: sessionmaker, reference: str, actor: str, action: str, text: Optional[str] = None) -> Ticket:
    """A staff action on a ticket: claim, note, reply, resolve or reopen; audited and committed."""
    with sessions() as session:
        ticket = session.scalars(
            select(Ticket).options(selectinload(Ticket.events)).where(Ticket.reference == reference)
        ).first()
        if ticket is None:
            raise KeyError(reference)
        if action == "claim":
            if ticket.status == "resolved":
                raise TicketError("resolved")
            ticket.status, ticket.assignee = "claimed", actor
        elif action == "resolve":
            if ticket.status == "resolved":
                raise TicketError("already resolved")
            ticket.status = "resolved"
        elif action == "reopen":
            if ticket.status != "resolved":
                raise TicketError("not resolved")
            if _open_ticket(session, ticket.conversation_id) is not None:
                raise TicketError("the conversation has another open ticket")
            ticket.status = "claimed" if ticket.assignee else "new"
        elif action in ("note", "reply"):
            if not (text or "").strip():
                raise TicketError("empty text")
        elif action not in AUDIT_NAMES:
            raise TicketError(f"unknown action {action}")
        _audit(ticket, actor, AUDIT_NAMES[action], text)
        session.commit()
        return ticket


def purge_expired(sessions: sessionmaker, retention: Optional[timedelta] = None) -> int:
    """Erase contact details and transcripts of tickets resolved longer ago than the retention
    period the visitor was told (bot/knowledge/handoff.yml); returns how many were erased."""
    retention = retention or timedelta(days=knowledge.load("handoff")["retention_days"])
    with sessions() as session:
        expired = session.scalars(select(Ticket).where(
            Ticket.status == "resolved", Ticket.erased_at.is_(None), Ticket.updated_at < utcnow() - retention,
        )).all()
        for ticket in expired:
            erase(ticket, ASSISTANT, "retention period over")
        session.commit()
        return len(expired)


def erase(ticket: Ticket, actor: str, why: str) -> None:
    """Remove everything personal from a ticket; staff see when and why it was erased."""
    ticket.contact_name = ticket.contact_email = ticket.contact_phone = ticket.description = None
    ticket.transcript = []
    for event in ticket.events:
        if event.action in ("note", "reply"):
            event.text = None
    ticket.erased_at = utcnow()
    _audit(ticket, actor, "erased", why)


def erase_conversation(sessions: sessionmaker, conversation_id: str) -> int:
    """The visitor deleted their conversation: erase the personal data of its tickets."""
    with sessions() as session:
        found = session.scalars(select(Ticket).where(
            Ticket.conversation_id == conversation_id, Ticket.erased_at.is_(None))).all()
        for ticket in found:
            erase(ticket, "visitor", "deleted by the visitor")
        session.commit()
        return len(found)
