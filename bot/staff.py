"""The staff page and the staff JSON API, served by the Rasa server at /webhooks/staff/.

A Rasa input channel (credentials.yml), so it runs inside each Rasa instance and can put a staff
reply straight into the visitor's conversation. Every page and API call needs a login: a session
cookie (HttpOnly, SameSite=Strict, Secure) with a CSRF token on every form, or a bearer token for
the API (docs/staff-api.yaml).
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import config, db, handoff, staff_accounts, tickets, widget
from bot.config import PROJECT_DIR
from bot.db import utcnow
from bot.i18n import languages

SESSION_COOKIE = "cp_staff_session"
LOGIN_CSRF_COOKIE = "cp_staff_login"
BASE = "/webhooks/staff"
API_SPEC = PROJECT_DIR / "docs" / "staff-api.yaml"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Seconds between automatic refreshes of the queue page.
QUEUE_REFRESH_SECONDS = 15


@lru_cache(maxsize=1)
def templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(PROJECT_DIR / "bot" / "templates" / "staff"),
        autoescape=select_autoescape(default=True),  # visitor text is always escaped
    )


def waiting_minutes(ticket: tickets.Ticket, now: datetime) -> int:
    return int((now - ticket.created_at).total_seconds() // 60)


def summary(ticket: tickets.Ticket, now: datetime) -> Dict[str, Any]:
    """A ticket as a queue row (and in the API)."""
    target = int(tickets.response_target(ticket.level).total_seconds() // 60)
    waiting = waiting_minutes(ticket, now)
    return {
        "reference": ticket.reference,
        "level": ticket.level,
        "reason": ticket.reason,
        "language": ticket.language,
        "country": ticket.country,
        "status": ticket.status,
        "assignee": ticket.assignee,
        "consent": ticket.consent,
        "created_at": ticket.created_at.isoformat(timespec="seconds") + "Z",
        "waiting_minutes": waiting,
        "target_minutes": target,
        "overdue": ticket.status != "resolved" and waiting > target,
        "erased_at": ticket.erased_at.isoformat(timespec="seconds") + "Z" if ticket.erased_at else None,
    }


def detail(ticket: tickets.Ticket, now: datetime, transcript: Optional[list] = None) -> Dict[str, Any]:
    """A ticket with its contact details (if consented), transcript and audit trail.

    `transcript` is the live conversation when the tracker has it; else the one saved in the ticket.
    """
    return {
        **summary(ticket, now),
        "conversation_id": ticket.conversation_id,
        "confidence": ticket.confidence,
        "contact": {
            "name": ticket.contact_name, "email": ticket.contact_email, "phone": ticket.contact_phone,
            "language": ticket.contact_language, "description": ticket.description,
        } if ticket.consent else None,
        "transcript": transcript or ticket.transcript,
        "events": [
            {"at": e.at.isoformat(timespec="seconds") + "Z", "actor": e.actor, "action": e.action, "text": e.text}
            for e in ticket.events
        ],
    }


def _filters(request: Request) -> Dict[str, Any]:
    """Queue filters from the query string; unknown values are ignored."""
    def chosen(name: str, allowed) -> list:
        return [v for v in request.args.getlist(name, []) if v in allowed]
    return {
        "statuses": chosen("status", tickets.STATUSES) or ["new", "claimed"],
        "levels": chosen("level", tickets.LEVELS) or list(tickets.LEVELS),
        "languages": chosen("language", languages()) or None,
    }


async def live_transcript(request: Request, conversation_id: str) -> list:
    """The conversation so far from the tracker store (the visitor may have written since)."""
    tracker = await request.app.ctx.agent.tracker_store.retrieve(conversation_id)
    return handoff.transcript(e.as_dict() for e in tracker.events) if tracker else []


async def deliver_reply(request: Request, conversation_id: str, username: str, text: str) -> None:
    """Put a staff reply into the visitor's conversation, and into their widget if it is open."""
    agent = request.app.ctx.agent
    async with agent.lock_store.lock(conversation_id):
        tracker = await agent.processor.get_tracker(conversation_id)
        tracker.update(BotUttered(text, metadata={"staff": username}))
        await agent.tracker_store.save(tracker)
    await widget.push(conversation_id, widget.BOT_EVENT, {"text": text, "staff": True})


class StaffPage(InputChannel):
    """Staff login, handoff queue, ticket view and JSON API."""

    @classmethod
    def name(cls) -> Text:
        return "staff"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        staff = Blueprint("staff", __name__)

        def page(name: str, status: int = 200, **context: Any) -> HTTPResponse:
            body = templates().get_template(name).render(base=BASE, **context)
            return response.html(body, status=status, headers=SECURITY_HEADERS)

        def signed_in(request: Request) -> Optional[tuple]:
            return staff_accounts.session_user(db.connect(), request.cookies.get(SESSION_COOKIE))

        def csrf_ok(request: Request, expected: str) -> bool:
            return hmac.compare_digest(request.form.get("csrf_token", ""), expected)

        def api_user(request: Request) -> Optional[str]:
            header = request.headers.get("authorization", "")
            token = header[7:] if header.lower().startswith("bearer ") else None
            return staff_accounts.api_user(db.connect(), token)

        def api_error(status: int, error: str) -> HTTPResponse:
            return response.json({"error": error}, status=status, headers=SECURITY_HEADERS)

        @staff.route("/static/staff.css", methods=["GET"])
        async def stylesheet(request: Request) -> HTTPResponse:
            return await response.file(PROJECT_DIR / "bot" / "templates" / "staff" / "staff.css",
                                       headers={"Cache-Control": "max-age=3600"})

        @staff.route("/login", methods=["GET"])
        async def login_form(request: Request) -> HTTPResponse:
            token = secrets.token_urlsafe(32)
            reply = page("login.html", csrf_token=token, error=None)
            _set_cookie(reply, LOGIN_CSRF_COOKIE, token, max_age=3600)
            return reply

        @staff.route("/login", methods=["POST"])
        async def login(request: Request) -> HTTPResponse:
            expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
            if not expected or not csrf_ok(request, expected):
                return page("login.html", status=403, csrf_token=expected, error="expired")
            username, outcome = staff_accounts.authenticate(
                db.connect(), request.form.get("username", ""), request.form.get("password", "")
            )
            if username is None:
                return page("login.html", status=401 if outcome == "invalid" else 423,
                            csrf_token=expected, error=outcome)
            token, _csrf = staff_accounts.start_session(db.connect(), username)
            reply = response.redirect(f"{BASE}/", headers=SECURITY_HEADERS)
            _set_cookie(reply, SESSION_COOKIE, token, max_age=config.STAFF_SESSION_HOURS * 3600)
            del reply.cookies[LOGIN_CSRF_COOKIE]
            return reply

        @staff.route("/logout", methods=["POST"])
        async def logout(request: Request) -> HTTPResponse:
            user = signed_in(request)
            if user and csrf_ok(request, user[1]):
                staff_accounts.end_session(db.connect(), request.cookies.get(SESSION_COOKIE))
            reply = response.redirect(f"{BASE}/login", headers=SECURITY_HEADERS)
            del reply.cookies[SESSION_COOKIE]
            return reply

        @staff.route("/", methods=["GET"])
        async def queue_page(request: Request) -> HTTPResponse:
            user = signed_in(request)
            if not user:
                return response.redirect(f"{BASE}/login", headers=SECURITY_HEADERS)
            filters = _filters(request)
            now = utcnow()
            rows = [summary(t, now) for t in tickets.queue(db.connect(), **filters)]
            return page("queue.html", user=user[0], csrf_token=user[1], rows=rows, filters=filters,
                        levels=tickets.LEVELS, statuses=tickets.STATUSES, languages=languages(),
                        refresh=QUEUE_REFRESH_SECONDS)

        @staff.route("/tickets/<reference>", methods=["GET"])
        async def ticket_page(request: Request, reference: str) -> HTTPResponse:
            user = signed_in(request)
            if not user:
                return response.redirect(f"{BASE}/login", headers=SECURITY_HEADERS)
            ticket = tickets.get(db.connect(), reference)
            if ticket is None:
                return page("not_found.html", status=404, user=user[0], csrf_token=user[1])
            transcript = await live_transcript(request, ticket.conversation_id)
            return page("ticket.html", user=user[0], csrf_token=user[1],
                        ticket=detail(ticket, utcnow(), transcript), error=request.args.get("error"))

        @staff.route("/tickets/<reference>/<action>", methods=["POST"])
        async def ticket_action(request: Request, reference: str, action: str) -> HTTPResponse:
            user = signed_in(request)
            if not user:
                return response.redirect(f"{BASE}/login", headers=SECURITY_HEADERS)
            if not csrf_ok(request, user[1]):
                return response.text("Invalid or missing CSRF token.", status=403, headers=SECURITY_HEADERS)
            error = await _act(request, reference, user[0], action, request.form.get("text"))
            suffix = f"?error={error}" if error else ""
            return response.redirect(f"{BASE}/tickets/{reference}{suffix}", headers=SECURITY_HEADERS)

        @staff.route("/api/openapi.yaml", methods=["GET"])
        async def api_spec(request: Request) -> HTTPResponse:
            return await response.file(API_SPEC, mime_type="application/yaml")

        @staff.route("/api/tickets", methods=["GET"])
        async def api_queue(request: Request) -> HTTPResponse:
            if not api_user(request):
                return api_error(401, "unauthorized")
            now = utcnow()
            rows = [summary(t, now) for t in tickets.queue(db.connect(), **_filters(request))]
            return response.json({"tickets": rows}, headers=SECURITY_HEADERS)

        @staff.route("/api/tickets/<reference>", methods=["GET"])
        async def api_ticket(request: Request, reference: str) -> HTTPResponse:
            if not api_user(request):
                return api_error(401, "unauthorized")
            ticket = tickets.get(db.connect(), reference)
            if ticket is None:
                return api_error(404, "not_found")
            transcript = await live_transcript(request, ticket.conversation_id)
            return response.json(detail(ticket, utcnow(), transcript), headers=SECURITY_HEADERS)

        @staff.route("/api/tickets/<reference>/<action>", methods=["POST"])
        async def api_action(request: Request, reference: str, action: str) -> HTTPResponse:
            username = api_user(request)
            if not username:
                return api_error(401, "unauthorized")
            try:
                body = request.json if request.body else {}
            except Exception:  # Sanic raises InvalidUsage on malformed JSON
                return api_error(400, "invalid_json")
            text = body.get("text") if isinstance(body, dict) else None
            if text is not None and not isinstance(text, str):
                return api_error(400, "invalid_text")
            error = await _act(request, reference, username, action, text)
            if error:
                return api_error({"not_found": 404, "unknown_action": 404}.get(error, 409), error)
            ticket = tickets.get(db.connect(), reference)
            transcript = await live_transcript(request, ticket.conversation_id)
            return response.json(detail(ticket, utcnow(), transcript), headers=SECURITY_HEADERS)

        return staff


async def _act(request: Request, reference: str, username: str, action: str, text: Optional[str]) -> Optional[str]:
    """Apply a staff action; a reply is also delivered to the visitor. An error code, or None."""
    if action not in tickets.AUDIT_NAMES:
        return "unknown_action"
    try:
        ticket = tickets.act(db.connect(), reference, username, action, (text or "").strip() or None)
    except KeyError:
        return "not_found"
    except tickets.TicketError:
        return "not_allowed"
    if action == "reply":
        await deliver_reply(request, ticket.conversation_id, username, text.strip())
    elif action in ("claim", "resolve"):
        await widget.push(ticket.conversation_id, widget.STATUS_EVENT, {"status": ticket.status})
    return None


def _set_cookie(reply: HTTPResponse, name: str, value: str, max_age: int) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = config.STAFF_COOKIE_SECURE
    cookie["path"] = BASE
    cookie["max-age"] = max_age
