"""Our web glue, served by the Rasa server itself (named in credentials.yml).

- `RestInput`: Rasa's REST channel at `/webhooks/rest/webhook`, same payload and replies, but a bad
  request gets a clear answer in the visitor's language instead of a crash or silence.
- `ChatPage`: the minimal local chat page at `/webhooks/chat/`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

import structlog
from babel import negotiate_locale
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput

from bot import config
from bot.emergency import normalize_country
from bot.i18n import catalogs, languages
from bot.language import normalize_tag
from bot.ratelimit import RateLimiter
from bot.responses import conversation_language, placeholders

logger = structlog.get_logger()

PAGE_TEMPLATE = Path(__file__).parent / "templates" / "chat.html"


class RequestError(Exception):
    """A request we refuse: HTTP status, machine-readable code, catalog key of the explanation."""

    def __init__(self, status: int, code: str, message_key: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message_key = status, code, message_key


@dataclass
class WebhookRequest:
    sender: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    input_channel: Optional[str] = None


def parse_webhook_body(body: bytes) -> WebhookRequest:
    """Validate a REST webhook body: `{"sender": str, "message": str, "metadata"?: object}`."""
    if len(body) > config.MAX_BODY_BYTES:
        raise RequestError(413, "body_too_large", "error_message_too_long")
    try:
        payload = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise RequestError(400, "invalid_json", "error_bad_request") from None
    if not isinstance(payload, dict):
        raise RequestError(400, "not_an_object", "error_bad_request")
    sender, text = payload.get("sender"), payload.get("message")
    metadata = payload.get("metadata") or {}
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 255:
        raise RequestError(400, "invalid_sender", "error_bad_request")
    if not isinstance(text, str):
        raise RequestError(400, "invalid_message", "error_bad_request")
    if not isinstance(metadata, dict):
        raise RequestError(400, "invalid_metadata", "error_bad_request")
    if len(text) > config.MAX_MESSAGE_CHARS:
        raise RequestError(413, "message_too_long", "error_message_too_long")
    channel = payload.get("input_channel")
    return WebhookRequest(sender, text, metadata, channel if isinstance(channel, str) else None)


def _metadata_from_raw_body(body: bytes) -> Dict[str, Any]:
    """Best-effort metadata of a refused request, to answer in the right language."""
    try:
        metadata = json.loads(body).get("metadata")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


class RestInput(RasaRestInput):
    """Rasa's REST channel (same URL, payload and replies) with validation and a reply guarantee."""

    rate_limiter = RateLimiter(config.RATE_LIMIT_MESSAGES, config.RATE_LIMIT_SECONDS)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            try:
                incoming = parse_webhook_body(request.body)
            except RequestError as error:
                metadata = _metadata_from_raw_body(request.body)
                language = normalize_tag(metadata.get("language")) or config.DEFAULT_LANGUAGE
                logger.info("rest.request.refused", code=error.code, status=error.status)
                return response.json(
                    {"error": error.code, "message": _text(language, error.message_key, metadata)},
                    status=error.status,
                )
            language = await _reply_language(request, incoming)
            if not self.rate_limiter.allow(incoming.sender):
                logger.info("rest.request.refused", code="too_many_messages", status=429)
                return response.json(
                    {"error": "too_many_messages",
                     "message": _text(language, "error_too_many_messages", incoming.metadata)},
                    status=429,
                )
            if not incoming.text.strip():
                return response.json(
                    [{"recipient_id": incoming.sender,
                      "text": _text(language, "error_empty_message", incoming.metadata)}]
                )
            input_channel = incoming.input_channel or self.name()
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, incoming.text, incoming.sender,
                                         input_channel, incoming.metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(incoming.text, collector, incoming.sender,
                                input_channel=input_channel, metadata=incoming.metadata)
                )
            except Exception:  # noqa: BLE001 - the visitor must get an answer whatever failed
                logger.exception("rest.message.failed")
            if not collector.messages:
                language = await _reply_language(request, incoming)
                collector.messages.append(
                    {"recipient_id": incoming.sender,
                     "text": _text(language, "error_service_unavailable", incoming.metadata)}
                )
            return response.json(collector.messages)

        return webhook


def _text(language: str, key: str, metadata: Dict[str, Any]) -> str:
    country = normalize_country(metadata.get("country"))
    return catalogs().text(language, key, placeholders(language, country))


async def _reply_language(request: Request, incoming: WebhookRequest) -> str:
    """Website tag, else the conversation's language so far, else detection, else the default."""
    tagged = normalize_tag(incoming.metadata.get("language"))
    if tagged:
        return tagged
    agent = getattr(request.app.ctx, "agent", None)
    tracker = None
    if agent is not None and agent.tracker_store is not None:
        tracker = await agent.tracker_store.retrieve(incoming.sender)
    return conversation_language(tracker.get_slot("language") if tracker else None, incoming.text)


class ChatPage(InputChannel):
    """A page with the chat widget filling it (bot/widget.py), in the browser's language."""

    @classmethod
    def name(cls) -> Text:
        return "chat"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        page = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @page.route("/", methods=["GET"])
        async def index(request: Request) -> HTTPResponse:
            return response.html(render_chat_page(page_language(request)))

        return page


def page_language(request: Request) -> str:
    """`?lang=` if valid, else the browser's languages negotiated with Babel, else the default."""
    asked = normalize_tag(request.args.get("lang"))
    if asked:
        return asked
    header = request.headers.get("accept-language", "")
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    browser = [normalize_tag(tag) or tag for tag in preferred if tag]
    return negotiate_locale(browser, languages()) or config.DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def _page_template() -> Template:
    return Template(PAGE_TEMPLATE.read_text(encoding="utf-8"))


def render_chat_page(language: str) -> str:
    return _page_template().substitute(
        lang=escape(language.replace("_", "-")), language=escape(language),
        page_title=escape(catalogs().text(language, "page_title")),
    )
