"""Our two NLU pipeline components (named in config.yml).

- `FoldingTokenizer`: words in every script, folded so that case, missing accents and Simplified
  Chinese do not matter; Han characters are one token each (word n-grams then give bigrams).
- `ConversationContextExtractor`: adds the `language` and `country` entities that fill the slots
  of the same names, from website metadata, a language request, or detection.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import regex

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.emergency import normalize_country
from bot.language import fold, message_language

TOKEN = regex.compile(r"\p{Han}|[^\W_\p{Han}]+(?:['’-][^\W_\p{Han}]+)*|\d+")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class FoldingTokenizer(Tokenizer):
    """Tokenizes folded text; keeps offsets into the original message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FoldingTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(m.group(), m.start()) for m in TOKEN.finditer(fold(text))]
        return tokens or [Token(text, 0)]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class ConversationContextExtractor(GraphComponent):
    """Sets the `language` and `country` entities of each message (no span: they describe it)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConversationContextExtractor:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get("metadata") or {}
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            found = {
                "language": message_language(message.get(TEXT) or "", metadata, intent),
                "country": normalize_country(metadata.get("country")) if isinstance(metadata, dict) else None,
            }
            entities = [
                {"entity": name, "value": value, "extractor": self.__class__.__name__}
                for name, value in found.items()
                if value
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
