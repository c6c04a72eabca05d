"""The visitor's chat widget: Rasa's socket.io channel (validated, with a reply guarantee) and the
widget's own HTTP endpoints at /webhooks/widget/ (assets, texts, history, "delete my conversation").

Embed on any page:  <script src="https://HOST/webhooks/widget/widget.js" data-lang="pl" data-country="PL"></script>
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import structlog
from babel import negotiate_locale
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot import config, db, outbox, tickets
from bot.config import PROJECT_DIR
from bot.emergency import normalize_country
from bot.i18n import catalogs, languages
from bot.language import normalize_tag
from bot.ratelimit import RateLimiter
from bot.responses import placeholders

logger = structlog.get_logger()

STATIC_DIR = PROJECT_DIR / "bot" / "static"
SOCKET_IO_CLIENT = PROJECT_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
# Catalog texts the widget shows itself (its replies come from the assistant).
WIDGET_TEXTS = (
    "page_title", "page_input_label", "page_send", "label_staff_reply", "error_empty_message",
    "error_message_too_long", "error_service_unavailable",
    "widget_open", "widget_close", "widget_language", "widget_emergency_line", "widget_privacy",
    "widget_talk_to_person", "widget_delete", "widget_delete_confirm", "widget_delete_yes",
    "widget_delete_no", "widget_deleted", "widget_typing", "widget_offline", "widget_you",
    "widget_assistant", "widget_status_claimed", "widget_status_resolved",
)
BOT_EVENT = "bot_uttered"
STATUS_EVENT = "handoff_status"

# This process's socket.io server, so staff replies reach visitors connected to it.
_socket_server: Optional[AsyncServer] = None


async def push(conversation_id: str, event: str, data: Dict[str, Any]) -> None:
    """Send an event to a visitor's open widget(s), if any are connected to this instance."""
    if _socket_server is not None:
        await _socket_server.emit(event, data, room=conversation_id)


def widget_language(lang: Optional[str], accept: Optional[str]) -> str:
    """The site's `data-lang`, else the browser's languages negotiated with Babel, else the default."""
    asked = normalize_tag(lang)
    if asked:
        return asked
    browser = [normalize_tag(tag) or tag.replace("-", "_") for tag in (accept or "").split(",") if tag]
    return negotiate_locale(browser, languages()) or config.DEFAULT_LANGUAGE


def widget_texts(language: str, country: Optional[str]) -> Dict[str, Any]:
    texts = catalogs()
    values = placeholders(language, country)
    return {
        "language": language,
        "country": country,
        "languages": [{"code": code, "name": texts.text(code, f"language_name_{code}")} for code in languages()],
        "texts": {key: texts.text(language, key, values) for key in WIDGET_TEXTS},
    }


def history(events) -> List[Dict[str, Any]]:
    """The conversation for the widget to show again after a reload."""
    shown = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            label = (event.metadata or {}).get("shown")  # the button the visitor pressed
            if not event.text.startswith("/") or isinstance(label, str):
                shown.append({"from": "visitor", "text": label if isinstance(label, str) else event.text})
        elif isinstance(event, BotUttered) and event.text:
            staff = (event.metadata or {}).get("staff")
            buttons = [{"title": b["title"], "payload": b["payload"]} for b in event.data.get("buttons") or []]
            shown.append({"from": "staff" if staff else "assistant", "text": event.text, "buttons": buttons})
    return shown


async def erase_conversation(agent, conversation_id: str) -> None:
    """Delete a visitor's conversation: the tracker, and the personal data in its tickets."""
    store = agent.tracker_store
    while hasattr(store, "_tracker_store") or hasattr(store, "tracker_store"):  # Rasa's wrappers
        store = getattr(store, "_tracker_store", None) or store.tracker_store
    async with agent.lock_store.lock(conversation_id):
        if isinstance(store, SQLTrackerStore):
            with store.session_scope() as session:
                session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == conversation_id).delete()
                session.commit()
        else:
            store.store.pop(conversation_id, None)  # InMemoryTrackerStore
    outbox.discard(conversation_id)  # escalations kept on this machine while the queue was down
    tickets.erase_conversation(db.connect(), conversation_id)


class CountingOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sends (a visitor must never get silence)."""

    sent = 0

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)


class WidgetSocket(SocketIOInput):
    """Rasa's socket.io channel with sessions kept by the browser, validated messages, an answer
    for every message, and staff replies and handoff status pushed to the visitor."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        global _socket_server
        origins = "*" if config.WIDGET_ORIGINS == ["*"] else config.WIDGET_ORIGINS
        # Several instances: events for a visitor go through Redis to the instance holding the socket.
        manager = AsyncRedisManager(config.REDIS_URL) if config.REDIS_URL else None
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origins, client_manager=manager)
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = _socket_server = sio
        limiter = RateLimiter(config.RATE_LIMIT_MESSAGES, config.RATE_LIMIT_SECONDS)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not 8 <= len(session_id) <= 64:
                session_id = uuid.uuid4().hex
            await sio.enter_room(sid, session_id)  # a coroutine in python-socketio 5.x (Rasa 3.6 forgets the await)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("session_id"), str):
                return  # not from our widget: nobody to answer
            session_id = data["session_id"]
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            text = data.get("message")
            language = normalize_tag(metadata.get("language")) or config.DEFAULT_LANGUAGE
            country = normalize_country(metadata.get("country"))
            error = None
            if not limiter.allow(session_id):
                error = "error_too_many_messages"
            elif not isinstance(text, str):
                error = "error_bad_request"
            elif len(text) > config.MAX_MESSAGE_CHARS:
                error = "error_message_too_long"
            elif not text.strip():
                error = "error_empty_message"
            if error:
                await sio.emit(BOT_EVENT, {"text": _text(language, error, country), "error": True}, room=sid)
                return
            output = CountingOutput(sio, self.bot_message_evt)
            try:
                await on_new_message(UserMessage(text, output, session_id, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:  # noqa: BLE001 - the visitor must get an answer whatever failed
                logger.exception("widget.message.failed")
            if not output.sent:
                await sio.emit(BOT_EVENT, {"text": _text(language, "error_service_unavailable", country),
                                           "error": True}, room=session_id)

        return blueprint


def _text(language: str, key: str, country: Optional[str]) -> str:
    return catalogs().text(language, key, placeholders(language, country))


class WidgetAssets(InputChannel):
    """The widget's script, styles, texts, history and deletion, at /webhooks/widget/."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        widget = Blueprint("widget_assets", __name__)
        cache = {"Cache-Control": "max-age=300"}

        @widget.middleware("response")
        async def allow_embedding_sites(request: Request, reply: HTTPResponse) -> None:
            """The widget runs on the clinic's site, another origin: CORS for the allowed ones."""
            origin = request.headers.get("origin")
            if origin and ("*" in config.WIDGET_ORIGINS or origin in config.WIDGET_ORIGINS):
                reply.headers["Access-Control-Allow-Origin"] = origin
                reply.headers["Access-Control-Allow-Headers"] = "Content-Type"
                reply.headers["Vary"] = "Origin"

        @widget.route("/delete", methods=["OPTIONS"])
        async def delete_preflight(request: Request) -> HTTPResponse:
            return response.empty(headers={"Access-Control-Allow-Methods": "POST"})

        @widget.route("/widget.js", methods=["GET"])
        async def script(request: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "widget.js", headers=cache, mime_type="text/javascript")

        @widget.route("/widget.css", methods=["GET"])
        async def styles(request: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "widget.css", headers=cache, mime_type="text/css")

        @widget.route("/socket.io.min.js", methods=["GET"])
        async def socket_client(request: Request) -> HTTPResponse:
            return await response.file(SOCKET_IO_CLIENT, headers=cache, mime_type="text/javascript")

        @widget.route("/texts", methods=["GET"])
        async def texts(request: Request) -> HTTPResponse:
            language = widget_language(request.args.get("lang"), request.args.get("accept"))
            return response.json(widget_texts(language, normalize_country(request.args.get("country"))))

        @widget.route("/history", methods=["GET"])
        async def conversation(request: Request) -> HTTPResponse:
            session_id = request.args.get("session", "")
            if not 8 <= len(session_id) <= 64:
                return response.json({"messages": []})
            tracker = await request.app.ctx.agent.tracker_store.retrieve(session_id)
            return response.json({"messages": history(tracker.events) if tracker else []})

        @widget.route("/delete", methods=["POST"])
        async def delete(request: Request) -> HTTPResponse:
            try:
                session_id = json.loads(request.body or b"{}").get("session")
            except (ValueError, AttributeError):
                session_id = None
            if not isinstance(session_id, str) or not 8 <= len(session_id) <= 64:
                return response.json({"error": "invalid_session"}, status=400)
            await erase_conversation(request.app.ctx.agent, session_id)
            logger.info("widget.conversation.deleted")
            return response.json({"deleted": True})

        return widget
