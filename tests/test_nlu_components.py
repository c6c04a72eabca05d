from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import ConversationContextExtractor, FoldingTokenizer


def tokens(text):
    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    return [t.text for t in tokenizer.tokenize(Message({TEXT: text}), TEXT)]


def test_tokens_are_folded_and_han_is_split_per_character():
    assert tokens("Ile KOSZTUJE leczenie?") == ["ile", "kosztuje", "leczenie"]
    assert tokens("Paralisia cerebral é tratável?") == ["paralisia", "cerebral", "e", "tratavel"]
    assert tokens("脑瘫能治好吗") == ["腦", "癱", "能", "治", "好", "嗎"]
    assert tokens("my son's CP, 5 years") == ["my", "son's", "cp", "5", "years"]


def test_a_message_without_words_still_has_one_token():
    assert tokens("👍") == ["👍"]


def extract(text, metadata=None, intent="greet"):
    message = Message({TEXT: text, "metadata": metadata, INTENT: {"name": intent}})
    ConversationContextExtractor().process([message])
    return {e["entity"]: e["value"] for e in message.get(ENTITIES)}


def test_language_and_country_come_from_metadata_or_the_text():
    assert extract("hello", {"language": "pt-BR", "country": "br"}) == {"language": "pt", "country": "BR"}
    assert extract("сколько стоит лечение") == {"language": "ru"}
    assert extract("ok") == {}
    assert extract("answer in Romanian please", intent="change_language") == {"language": "ro"}
    assert extract("hello", {"language": "klingon", "country": "ZZ"}) == {}
