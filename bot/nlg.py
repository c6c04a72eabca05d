"""Rasa response generator (endpoints.yml `nlg.type`): every `utter_*` in the conversation language."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.responses import conversation_language, render


class CatalogNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Renders domain responses from the gettext catalogs; the first reply carries the disclosure.

    A templated generator, so the agent hands it the model's responses when it loads a model.
    """

    def __init__(self, endpoint_config: EndpointConfig, domain: Domain) -> None:
        super().__init__(domain.responses)

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        variations = self.responses.get(utter_action)
        if not variations:
            return None
        return render(
            utter_action,
            variations[0],
            language=conversation_language(
                tracker.get_slot("language"), tracker.latest_message.text if tracker.latest_message else None
            ),
            country=tracker.get_slot("country"),
            first_reply=not _has_replied_this_session(tracker),
            extra=kwargs,
        )


def _has_replied_this_session(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return True
        if isinstance(event, SessionStarted):
            return False
    return False
