"""The triage layers: patterns as data, safety intents, the more serious wins."""
import pytest

from bot.triage import LEVEL_INTENTS, RedFlags, red_flags, triage

FLAGS = RedFlags({
    "en": {
        "emergency": {"seizure": [r"\b(fit|fitting|seiz\w*)\b.{0,40}\b(\d+|ten) min"]},
        "crisis": {"self_harm": [r"\bend it\b"]},
        "clinical": {"medication": [r"\bstop\b.{0,20}\bkeppra\b"]},
    },
    "zh_Hant": {"emergency": {"breathing": ["嘴唇.{0,5}發紫"]}},
})


def test_patterns_match_folded_text_and_the_most_serious_level_wins():
    assert FLAGS.match("He's been FITTING for 10 minutes") == ("emergency", "seizure")
    assert FLAGS.match("can I stop Keppra? I want to end it") == ("crisis", "self_harm")
    assert FLAGS.match("what is a seizure?") is None


def test_a_red_flag_in_a_mixed_message_wins_over_the_topic():
    result = triage("how much does it cost? he's been fitting for ten minutes",
                    [{"name": "program_cost", "confidence": 0.9}], FLAGS)
    assert (result.level, result.intent, result.reason) == ("emergency", "medical_emergency", "pattern emergency/seizure")


def test_patterns_are_written_naturally_and_folded_like_messages():
    assert FLAGS.match("他嘴唇发紫了") == ("emergency", "breathing")


def test_a_pattern_crisis_is_not_overridden_by_the_nlu():
    ranking = [{"name": "medical_emergency", "confidence": 0.5}]
    assert triage("I just want to end it", ranking, FLAGS).level == "crisis"


def test_a_likely_safety_intent_escalates_even_when_not_first():
    ranking = [{"name": "nlu_fallback", "confidence": 0.35}, {"name": "medical_emergency", "confidence": 0.3}]
    assert triage("something odd", ranking, FLAGS).level == "emergency"
    ranking = [{"name": "program_cost", "confidence": 0.8}, {"name": "medical_emergency", "confidence": 0.1}]
    assert triage("how much", ranking, FLAGS) is None


def test_the_top_intent_counts_however_unsure():
    result = triage("hmm", [{"name": "clinical_question", "confidence": 0.2}], FLAGS)
    assert (result.level, result.reason) == ("clinical", "intent clinical_question 0.20")


def test_unknown_levels_in_the_data_are_refused(tmp_path):
    (tmp_path / "en.yml").write_text("panic:\n  anything: ['a']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown triage level"):
        RedFlags.load(tmp_path)


def test_every_level_has_an_intent_in_the_domain():
    import yaml
    from bot.config import PROJECT_DIR
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))
    assert set(LEVEL_INTENTS.values()) <= set(domain["intents"])


def test_the_shipped_patterns_compile_for_every_language():
    from bot.i18n import languages
    from bot.triage import RED_FLAGS_DIR
    assert sorted(p.stem for p in RED_FLAGS_DIR.glob("*.yml")) == sorted(languages())
    assert red_flags().match("")  is None
