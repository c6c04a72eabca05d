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


def test_the_intent_classifier_keeps_its_weights_column_major_and_predicts_the_same(tmp_path):
    import numpy as np
    import scipy.sparse as sparse
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from sklearn.linear_model import LogisticRegression

    from bot.nlu import ColumnMajorLogisticRegressionClassifier

    X = sparse.random(90, 2000, density=0.01, format="csr", random_state=1)
    clf = LogisticRegression(max_iter=200).fit(X, np.arange(90) % 3)
    expected = clf.predict_proba(X)
    component = ColumnMajorLogisticRegressionClassifier(
        ColumnMajorLogisticRegressionClassifier.get_default_config(), "lr", LocalModelStorage(tmp_path), Resource("lr"))
    component.clf = clf
    component._column_major()
    assert clf.coef_.flags.f_contiguous
    assert np.allclose(clf.predict_proba(X), expected)
