"""All configuration in one place: read `.env` once, one constant per variable, safe defaults.

Every variable is listed in the README. Nothing else in the project reads the environment.
"""
import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent
load_dotenv(PROJECT_DIR / ".env")

LOCALES_DIR = PROJECT_DIR / "locales"
KNOWLEDGE_DIR = PROJECT_DIR / "bot" / "knowledge"
# Runtime files (the SQLite tracker store named in endpoints.yml).
VAR_DIR = PROJECT_DIR / "var"

# Language used until the visitor's language is known (metadata or a detectable message).
DEFAULT_LANGUAGE = os.getenv("DEFAULT_LANGUAGE", "en")
# Where visitors reach staff until the handoff queue replaces it.
CONTACT_URL = os.getenv("CONTACT_URL", "https://clinic.example/contact")
# Longest visitor message the web channel accepts; longer ones get a clear 413 answer.
MAX_MESSAGE_CHARS = int(os.getenv("MAX_MESSAGE_CHARS", "5000"))
# Largest request body the web channel reads.
MAX_BODY_BYTES = int(os.getenv("MAX_BODY_BYTES", "65536"))

RASA_HOST = os.getenv("RASA_HOST", "127.0.0.1")
RASA_PORT = int(os.getenv("RASA_PORT", "5005"))
ACTIONS_PORT = int(os.getenv("ACTIONS_PORT", "5055"))
# Token for Rasa's HTTP API; `make run` writes a random one to .env when it is missing.
RASA_AUTH_TOKEN = os.getenv("RASA_AUTH_TOKEN", "")

# The handoff queue's database (SQLAlchemy URL): a SQLite file by default,
# e.g. postgresql://user:password@host/dbname in production.
DATABASE_URL = os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'handoff.db'}")
# Escalations the queue could not take (database down) wait here, and are passed on every
# OUTBOX_RETRY_SECONDS once it answers again (bot/outbox.py).
OUTBOX_DIR = Path(os.getenv("OUTBOX_DIR", str(VAR_DIR / "outbox")))
OUTBOX_RETRY_SECONDS = float(os.getenv("OUTBOX_RETRY_SECONDS", "15"))
# Staff page: session cookies are sent over HTTPS only unless this is "false" (plain-HTTP testing).
STAFF_COOKIE_SECURE = os.getenv("STAFF_COOKIE_SECURE", "true").lower() != "false"
STAFF_SESSION_HOURS = int(os.getenv("STAFF_SESSION_HOURS", "12"))
# After this many failed logins in a row an account is locked for LOGIN_LOCKOUT_MINUTES.
LOGIN_MAX_FAILURES = int(os.getenv("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.getenv("LOGIN_LOCKOUT_MINUTES", "15"))
# Websites allowed to embed the chat widget: "*" (any) or a comma-separated list of origins,
# e.g. "https://clinic.example,https://www.clinic.example".
WIDGET_ORIGINS = [o.strip() for o in os.getenv("WIDGET_ORIGINS", "*").split(",") if o.strip()]
# With several Rasa instances: Redis (e.g. redis://127.0.0.1:6379/0) carries widget events (staff
# replies, handoff status) to whichever instance holds the visitor's socket. Empty: one instance.
REDIS_URL = os.getenv("REDIS_URL", "")
# Per-sender rate limit on the REST channel and the widget: at most this many messages in this
# many seconds; more get a clear 429 answer (other visitors are not affected).
RATE_LIMIT_MESSAGES = int(os.getenv("RATE_LIMIT_MESSAGES", "30"))
RATE_LIMIT_SECONDS = int(os.getenv("RATE_LIMIT_SECONDS", "60"))
