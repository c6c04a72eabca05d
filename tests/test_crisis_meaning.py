"""Crisis warning signs by meaning (bot/crisis_meaning.py): the rule, its place among the triage
layers, the reviewed examples, and the trained model on indirect warning signs written by others."""
import asyncio

import numpy as np
import pytest

from bot.crisis_meaning import CrisisExamples, load_examples
from bot.i18n import languages
from bot.triage import RedFlags, Triage, triage


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


# Crisis examples point along x, the others along y.
EXAMPLES = CrisisExamples(
    crisis=np.array([unit(1, 0, 0), unit(1, 0.1, 0), unit(1, 0, 0.1)]),
    others=np.array([unit(0, 1, 0), unit(0.1, 1, 0), unit(0, 1, 0.1), unit(0.2, 1, 0.3)]),
    crisis_texts=["I want to die", "no point any more", "I've given my things away"],
    neighbours=3, margin=0.0)


def test_a_message_closer_to_the_crisis_examples_is_a_crisis_naming_the_closest_example():
    result = EXAMPLES.triage(unit(1, -0.05, 0) * 3)  # features are scaled: only the direction counts
    assert result.level == "crisis"
    assert "like: I want to die" in result.reason


def test_a_message_closer_to_the_other_examples_is_not():
    assert EXAMPLES.triage(unit(0.2, 1, 0)) is None
    assert EXAMPLES.triage(None) is None


def test_the_margin_decides_between_the_two():
    halfway = unit(1, 1, 0)
    margin, _ = EXAMPLES.closeness(halfway)
    assert abs(margin) < 0.1
    strict = CrisisExamples(EXAMPLES.crisis, EXAMPLES.others, EXAMPLES.crisis_texts, 3, margin + 0.01)
    generous = CrisisExamples(EXAMPLES.crisis, EXAMPLES.others, EXAMPLES.crisis_texts, 3, margin - 0.01)
    assert strict.triage(halfway) is None
    assert generous.triage(halfway).level == "crisis"


def test_saved_and_loaded_alike(tmp_path):
    EXAMPLES.save(tmp_path / "crisis.npz")
    loaded = CrisisExamples.load(tmp_path / "crisis.npz")
    assert loaded.crisis_texts == EXAMPLES.crisis_texts
    assert (loaded.neighbours, loaded.margin) == (3, 0.0)
    assert loaded.closeness(unit(1, 0.3, 0.2)) == pytest.approx(EXAMPLES.closeness(unit(1, 0.3, 0.2)))


NO_FLAGS = RedFlags({})
MEANING = Triage("crisis", "meaning crisis +0.010, like: …", 1.0)


def test_a_crisis_by_meaning_wins_over_a_question_or_a_clinical_intent():
    assert triage("thank you for everything, I've sorted the paperwork",
                  [{"name": "thanks", "confidence": 0.9}], NO_FLAGS, meaning=MEANING) == MEANING
    assert triage("how many of his tablets would be too many",
                  [{"name": "clinical_question", "confidence": 0.8}], NO_FLAGS, meaning=MEANING) == MEANING


def test_an_emergency_still_comes_first():
    ranking = [{"name": "medical_emergency", "confidence": 0.7}]
    assert triage("he is not breathing", ranking, NO_FLAGS, meaning=MEANING).level == "emergency"


def test_every_language_has_reviewed_examples_and_look_alikes():
    from bot.crisis_meaning import EXAMPLES_DIR
    import yaml

    for language in languages():
        content = yaml.safe_load((EXAMPLES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
        assert set(content) == {"crisis", "not_crisis"}, language
        assert len(content["crisis"]) >= 50 and len(content["not_crisis"]) >= 30, language
        assert not set(content["crisis"]) & set(content["not_crisis"]), language
    everything = load_examples()
    assert len(everything["crisis"]) == len(set(everything["crisis"]))


def test_unknown_lists_are_refused(tmp_path):
    (tmp_path / "en.yml").write_text("crisis: [a]\nmaybe: [b]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="maybe"):
        load_examples(tmp_path)


# Indirect warning signs from tests/triage/fresh4/ that neither the patterns nor the intent
# classifier recognised on that set's first run (docs/triage-fresh4-first-run.md); the reviewed
# examples were written without seeing them.
INDIRECT = [
    "Just wanted to say goodbye and thank you for everything over the years. I've sorted the paperwork and written letters for the kids. Please tell Dr Patel she was always kind to us.",
    "I'm his full time carer. Some nights I sit in the car in the garage with the door shut and think about just leaving the engine running",
    "謝謝你們這幾年的照顧，事情我都安排好了，以後應該不會再麻煩你們了，保重",
    "Gracias por todo lo que hicieron por nosotros. Esta es mi despedida. Cuiden mucho a los niños que vienen a la clínica.",
    "Je voulais vous dire au revoir et merci pour tout. J'ai donné mon fauteuil électrique à une association, je n'en aurai plus besoin.",
    "czasem jak wracam autem z rehabilitacji to myślę żeby po prostu zjechać na drzewo. Synka zawiozłabym najpierw do babci. przepraszam że to piszę",
]
ORDINARY = [
    "Thanks for everything, see you at the appointment on Thursday!",
    "我們想把孩子用不到的舊輪椅送給有需要的家庭，你們可以幫忙轉交嗎？",
    "¿Cuánto cuesta la primera consulta y aceptan pago en cuotas?",
    "Ile kosztuje cały turnus i czy można płacić w ratach?",
]


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    from bot.launcher import MODEL

    return Agent.load(str(MODEL))


def level(agent, text):
    parsed = asyncio.run(agent.parse_message(text))
    return (parsed.get("triage") or {}).get("level")


@pytest.mark.parametrize("text", INDIRECT)
def test_the_trained_model_recognises_indirect_warning_signs(agent, text):
    assert level(agent, text) == "crisis"


@pytest.mark.parametrize("text", ORDINARY)
def test_the_trained_model_leaves_ordinary_messages_alone(agent, text):
    assert level(agent, text) is None
