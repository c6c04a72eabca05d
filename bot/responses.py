"""Turn a domain response into the message a visitor sees, in their language.

The domain declares each response's structure (its catalog key as `text`, buttons with catalog
keys as titles); the catalogs hold the words; `bot/knowledge/sources.yml` the sources.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping

from bot import config, knowledge
from bot.emergency import emergency_numbers_text
from bot.i18n import Catalogs, catalogs, format_number, format_price
from bot.language import guess_language, normalize_tag

DISCLOSURE = "utter_disclosure"
SOURCES_LABEL = "label_sources"


def placeholders(language: str, country: str | None) -> Dict[str, str]:
    """Values for the `%(name)s` placeholders any message may use."""
    program = knowledge.load("program")
    return {
        "emergency": emergency_numbers_text(country, language),
        "contact_url": config.CONTACT_URL,
        "price": format_price(program["price_from"], program["price_currency"], language),
        "max_length": format_number(config.MAX_MESSAGE_CHARS, language),
        "language": catalogs().text(language, f"language_name_{language}"),
        "retention_days": format_number(knowledge.load("handoff")["retention_days"], language),
    }


def conversation_language(slot_value: object, latest_text: str | None = None) -> str:
    """The reply language: the conversation's, else a guess from the latest message, else the default."""
    return (
        normalize_tag(slot_value)
        or (guess_language(latest_text) if latest_text else None)
        or config.DEFAULT_LANGUAGE
    )


def render(
    name: str,
    response: Mapping[str, Any],
    language: str,
    country: str | None = None,
    first_reply: bool = False,
    extra: Mapping[str, Any] | None = None,
    texts: Catalogs | None = None,
) -> Dict[str, Any]:
    """The message for response `name`: text, buttons and sources in `language`."""
    texts = texts or catalogs()
    params = {**placeholders(language, country), **(extra or {})}
    parts = [texts.text(language, response["text"], params)]
    sources = knowledge.load("sources").get(name)
    if sources:
        lines = [f"• {s['title']}: {s['url']}" for s in sources]
        parts.append("\n".join([texts.text(language, SOURCES_LABEL)] + lines))
    if first_reply:
        parts.insert(0, texts.text(language, DISCLOSURE, params))
    message: Dict[str, Any] = {"text": "\n\n".join(parts)}
    if response.get("buttons"):
        message["buttons"] = [
            {"title": texts.text(language, b["title"], params), "payload": b["payload"]}
            for b in response["buttons"]
        ]
    return message
