"""Staff accounts: argon2 password hashes, lock-out after repeated failures, sessions, API tokens.

Secrets given to browsers and API clients (session cookies, API tokens) are random; only their
SHA-256 is stored, so a copy of the database cannot be used to sign in.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from bot import config
from bot.db import ApiToken, StaffSession, StaffUser, utcnow

hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name takes as long as a wrong password.
UNKNOWN_USER_HASH = hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 12


class AccountError(Exception):
    """A clear reason an account could not be created."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(sessions: sessionmaker, username: str, password: str) -> None:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("The username must be 1 to 64 characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    with sessions() as session:
        if session.scalars(select(StaffUser).where(StaffUser.username == username)).first():
            raise AccountError(f"The user {username!r} already exists.")
        session.add(StaffUser(username=username, password_hash=hasher.hash(password)))
        session.commit()


def authenticate(sessions: sessionmaker, username: str, password: str) -> Tuple[Optional[str], str]:
    """(username, "ok") on success, else (None, "invalid" | "locked").

    After LOGIN_MAX_FAILURES failures in a row the account is locked for LOGIN_LOCKOUT_MINUTES;
    while locked even the right password is refused.
    """
    with sessions() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            _verify(UNKNOWN_USER_HASH, password)
            return None, "invalid"
        if user.locked_until and user.locked_until > utcnow():
            return None, "locked"
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= config.LOGIN_MAX_FAILURES:
                user.locked_until = utcnow() + timedelta(minutes=config.LOGIN_LOCKOUT_MINUTES)
                user.failed_logins = 0
            session.commit()
            return None, "locked" if user.locked_until and user.locked_until > utcnow() else "invalid"
        user.failed_logins, user.locked_until = 0, None
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        session.commit()
        return user.username, "ok"


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(sessions: sessionmaker, username: str) -> Tuple[str, str]:
    """A new browser session: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with sessions() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        session.add(StaffSession(
            token_hash=_digest(token), user_id=user.id, csrf_token=csrf,
            expires_at=utcnow() + timedelta(hours=config.STAFF_SESSION_HOURS),
        ))
        session.commit()
    return token, csrf


def session_user(sessions: sessionmaker, token: Optional[str]) -> Optional[Tuple[str, str]]:
    """(username, CSRF token) of a live session, or None."""
    if not token:
        return None
    with sessions() as session:
        found = session.scalars(
            select(StaffSession).where(StaffSession.token_hash == _digest(token))
        ).first()
        if found is None or found.expires_at <= utcnow():
            return None
        return found.user.username, found.csrf_token


def end_session(sessions: sessionmaker, token: Optional[str]) -> None:
    if token:
        with sessions() as session:
            session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
            session.commit()


def create_api_token(sessions: sessionmaker, username: str) -> str:
    """A new API token for the user (shown once; only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    with sessions() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            raise AccountError(f"No user {username!r}.")
        session.add(ApiToken(token_hash=_digest(token), user_id=user.id))
        session.commit()
    return token


def api_user(sessions: sessionmaker, token: Optional[str]) -> Optional[str]:
    """The username an API token belongs to, or None."""
    if not token:
        return None
    with sessions() as session:
        found = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
        return found.user.username if found else None
