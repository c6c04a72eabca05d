"""The handoff queue's database: tables, engine and migrations (SQLAlchemy and Alembic).

A SQLite file by default; PostgreSQL (or any SQLAlchemy URL) with `DATABASE_URL`. The schema is
managed by Alembic (`bot/migrations/`); `connect()` brings a database up to date before use.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Text, create_engine,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, relationship, sessionmaker

from bot import config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

Base = declarative_base()


def utcnow() -> datetime:
    """Now, in UTC without tzinfo: how every timestamp is stored (SQLite keeps no time zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    level = Column(String(16), nullable=False)  # emergency, crisis, urgent, clinical, general
    reason = Column(Text, nullable=False)  # the matched pattern or intent, with its confidence
    confidence = Column(Float)
    language = Column(String(16), nullable=False)
    country = Column(String(2))
    # Stored only with the visitor's consent.
    consent = Column(Boolean, nullable=False, default=False)
    contact_name = Column(String(200))
    contact_email = Column(String(320))
    contact_phone = Column(String(32))
    contact_language = Column(String(16))
    description = Column(Text)
    transcript = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default="new")  # new, claimed, resolved
    assignee = Column(String(64))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    erased_at = Column(DateTime)

    events = relationship("TicketEvent", order_by="TicketEvent.id", back_populates="ticket")

    # One open ticket per conversation: a second escalation updates it, even across instances.
    __table_args__ = (
        Index(
            "one_open_ticket_per_conversation", "conversation_id", unique=True,
            sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'"),
        ),
    )


class TicketEvent(Base):
    """The audit trail: every change to a ticket, by whom (a staff user, or "assistant")."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)  # created, escalated, contact, claimed, note, reply, ...
    text = Column(Text)

    ticket = relationship("Ticket", back_populates="events")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class StaffSession(Base):
    """A signed-in browser: only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    expires_at = Column(DateTime, nullable=False)

    user = relationship("StaffUser")


class ApiToken(Base):
    """A token for the staff JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    user = relationship("StaffUser")


def migrate(url: str) -> None:
    """Bring the database at `url` to the latest schema (idempotent)."""
    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(MIGRATIONS_DIR))
    alembic_config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(alembic_config, "head")


@lru_cache(maxsize=None)
def connect(url: str = config.DATABASE_URL) -> sessionmaker:
    """A session factory for the database at `url`, migrated to the latest schema first."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate(url)
    engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
    return sessionmaker(engine, future=True, expire_on_commit=False)
