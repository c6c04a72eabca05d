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


def _shipped(text):
    return red_flags().match(text)


@pytest.mark.parametrize("text", [
    "been stockpiling my sleeping tablets just in case. thats how low ive got",
    "if the stem cells dont work this time then im done, i wont be around for another year of this",
    "tbh i just want to go to sleep and not wake up, caring 24/7 for 9 years has broken me",
    "i keep thinking about jumping off the multi-storey",
    "to juntando remedio pra dormir, so pra ter caso eu precise",
    "strang pastile de la farmacie de cateva luni, in caz ca",
    "daca nu merge nici tratamentul asta ma arunc de pe bloc, gata",
    "коплю снотворное на всякий случай, уже почти полная банка",
    "хочу уснуть и не проснуться",
    "我偷偷存了很多安眠藥，以防萬一",
    "好想睡著就不要再醒來",
    "estoy juntando pastillas para dormir por si acaso",
    "je voudrais juste m'endormir et ne pas me réveiller",
    "zbieram tabletki nasenne na wszelki wypadek",
])
def test_indirect_suicidal_phrasings_are_a_crisis_in_every_language(text):
    assert _shipped(text) == ("crisis", "self_harm")


@pytest.mark.parametrize("text", [
    "he wont wake up", "she can't be woken", "nu se trezeste", "он не просыпается", "他叫不醒",
    "cant wake my daughter, shes all floppy",
])
def test_someone_who_cannot_be_woken_is_still_an_emergency(text):
    assert _shipped(text)[0] == "emergency"


def test_a_crisis_wins_over_an_emergency_read_in_the_same_words_but_not_over_another_emergency():
    ranking = [{"name": "medical_emergency", "confidence": 0.9}]
    assert triage("i just want to go to sleep and not wake up", ranking).level == "crisis"
    # the child's emergency is told in other words: the emergency reply (call an ambulance) comes first
    assert _shipped("i just want to go to sleep and not wake up. he is not breathing")[0] == "emergency"


@pytest.mark.parametrize("text", [
    "he broke his leg at school last year, all healed now - is your building fully wheelchair accessible?",
    "my friends son went blue during a feed last year and it really shook me, is there a first aid course",
    "at birth he did not breathe for 20 minutes, that's how our CP started, just wanted to share",
    "去年他骨折過，現在都好了，飯店有無障礙房嗎？",
    "el año pasado se rompió el fémur en la fisio, ya esta perfecto. ¿el hotel tiene habitaciones adaptadas?",
    "il s'est cassé le poignet l'an dernier en tombant du fauteuil, tout est réparé, l'hotel a une douche?",
    "przy porodzie nie oddychał przez kilkanaście minut i tak się zaczęło nasze MPD",
    "ano passado ele quebrou a perna, já ta curado. o hotel tem acessibilidade?",
    "anul trecut si-a rupt mana la scoala, acum e ok. hotelul e accesibil pentru carucior?",
    "в прошлом году сломал ногу, уже все срослось. в отеле есть лифт и пандус?",
    "vi um video de uma criança ficando roxa engasgada, fiquei apavorada",
])
def test_an_event_that_is_over_or_someone_elses_is_not_an_emergency(text):
    assert _shipped(text) is None


@pytest.mark.parametrize("text", [
    "he had one last year and now he's fitting again for 10 minutes",
    "he had his shunt fitted as a baby and he's vomiting with a bad headache and very drowsy",
    "my neighbour's baby turned blue and isn't breathing, what do i do",
    "he fell and hit his head, nothing since",
    "他去年抽過一次，現在又抽了十分鐘停不下來",
    "tuvo una el año pasado y ahora lleva 10 minutos convulsionando",
    "rok temu miał jeden napad, a teraz znowu ma drgawki od 10 minut",
    "a avut una anul trecut si acum iar face convulsii de 10 minute",
    "в прошлом году был один приступ, а сейчас опять судороги 10 минут не прекращаются",
    "se cayó de la silla de bebé y se golpeó la cabeza",
])
def test_a_past_event_does_not_hide_a_present_emergency(text):
    assert _shipped(text)[0] == "emergency"


@pytest.mark.parametrize("text", [
    "how does the baclofen pump alarm actually work, is it loud enough to hear from another room?",
    "what happens if a baclofen pump runs empty, is it dangerous? just researching before we decide",
    "幫浦裡的藥用完了會怎樣？很危險嗎？我們還在考慮要不要裝",
    "como suena la alarma de la bomba de baclofeno? se oye bien de noche?",
    "que se passe t il si la pompe tombe en panne a l'etranger? on part en vacances",
    "jak głośny jest alarm w pompie baklofenowej, obudzi rodziców w nocy?",
    "как выглядит анафилаксия? хочу знать на всякий случай",
])
def test_how_it_works_and_what_happens_if_are_general_questions(text):
    assert _shipped(text) is None


@pytest.mark.parametrize("text", [
    "what happens if the pump alarm goes off? it's beeping now",
    "que se passe-t-il si la pompe sonne? elle sonne maintenant",
    "what should i do if he stops breathing",
])
def test_a_general_question_with_something_happening_now_stays_an_emergency(text):
    assert _shipped(text)[0] == "emergency"


def test_shunt_written_without_its_diacritic_in_romanian():
    text = "are sunt ventricular, varsa de dimineata si o doare capul"
    assert _shipped(text) == ("emergency", "shunt")
    assert _shipped("sunt confuza si obosita, varsa mereu") is None  # "sunt": I am


def test_unknown_not_present_lists_are_refused():
    with pytest.raises(ValueError, match="unknown not_present list"):
        RedFlags({"en": {"not_present": {"future": ["x"]}}})


_EMERGENCY_INTENT = [{"name": "medical_emergency", "confidence": 0.97}]


@pytest.mark.parametrize("text, why", [
    ("what happens if someone has an allergic reaction during the infusion?", "general question"),
    ("my daughter had a big seizure two years ago but nothing since, do you have nurses at night?",
     "past or someone else"),
    ("he broke his leg last year, all healed now - is the hotel accessible?", "past or someone else"),
    ("¿qué pasa si alguien tiene una reacción alérgica durante la infusión?", "general question"),
])
def test_an_emergency_only_the_nlu_sees_in_a_general_or_past_message_is_urgent(text, why):
    result = triage(text, _EMERGENCY_INTENT)
    assert (result.level, result.reason) == ("urgent", f"intent medical_emergency 0.97, {why}: urgent")


@pytest.mark.parametrize("text", [
    "what happens if someone has an allergic reaction during the infusion? now he is covered in hives",
    "my daughter had a big seizure two years ago and now she is fitting again",
    "he broke his leg last year, all healed now - is the hotel accessible? he fell again today",
    "what happens if someone has an allergic reaction? my son is swelling up",  # a personal cue
    "what happens if a shunt blocks? vomiting and very sleepy",  # a sentence neither general nor past
    "¿qué pasa si se bloquea la válvula? vomita y está muy dormido",
])
def test_the_same_message_with_something_happening_now_stays_an_emergency(text):
    assert triage(text, _EMERGENCY_INTENT).level == "emergency"


def test_a_crisis_or_a_pattern_emergency_is_never_lowered():
    crisis = [{"name": "crisis", "confidence": 0.9}]
    assert triage("what happens if i just stop, in general?", crisis).level == "crisis"
    assert triage("hypothetically, i want to end it", _EMERGENCY_INTENT, FLAGS).level == "crisis"
    # an emergency pattern outside the guarded sentences: the pattern's emergency, not lowered
    result = triage("what is a seizure? he's been fitting for 10 minutes", _EMERGENCY_INTENT, FLAGS)
    assert (result.level, result.reason) == ("emergency", "pattern emergency/seizure")


def test_a_lowered_emergency_further_down_the_ranking_does_not_raise_the_message():
    ranking = [{"name": "hotel_accessibility", "confidence": 0.6}, {"name": "medical_emergency", "confidence": 0.3}]
    result = triage("he broke his leg last year, all healed now - is the hotel accessible?", ranking)
    assert result.level == "urgent"


@pytest.mark.parametrize("text", [
    "i gave away all my things, i wont need them anymore",
    "asking because i wont be needing the return flight",
    "le regalé mi guitarra y mi ropa a mi primo, ya no las voy a necesitar",
    "hoy me despido de ustedes, gracias por todo y cuiden mucho a mi hija",
    "oddałam wszystkie moje książki, już mi nie będą potrzebne",
    "хотела попрощаться и сказать спасибо за всё",
    "我把我的東西都送給朋友了 以後用不到了",
])
def test_giving_things_away_or_a_final_goodbye_is_a_crisis(text):
    assert _shipped(text) == ("crisis", "self_harm")


@pytest.mark.parametrize("text", [
    "thanks for everything, bye!", "gracias por todo, adios", "спасибо за всё, до свидания",
    "we gave his old wheelchair to a charity", "do we need a return ticket for the visa?",
])
def test_an_ordinary_goodbye_or_gift_is_not(text):
    assert _shipped(text) is None


def _guard_cases(kind):
    import yaml
    from bot.config import PROJECT_DIR
    for path in sorted((PROJECT_DIR / "tests" / "triage" / "guards").glob("*.yml")):
        for text in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(kind, []):
            yield pytest.param(text, id=f"{path.stem}: {text[:40]}")


@pytest.mark.parametrize("text", _guard_cases("not_emergency"))
def test_general_past_or_figurative_mentions_are_not_a_pattern_emergency(text):
    """tests/triage/guards/<language>.yml: first-aid courses, resolved events, idioms, "what if" questions."""
    assert (_shipped(text) or ("",))[0] != "emergency"


@pytest.mark.parametrize("text", _guard_cases("still_emergency"))
def test_the_same_topics_happening_now_stay_an_emergency_the_nlu_may_not_lower(text):
    assert _shipped(text)[0] == "emergency"
    assert red_flags().not_present_reason(text) is None


@pytest.mark.parametrize("text", _guard_cases("crisis"))
def test_direct_and_indirect_suicidal_or_self_harm_messages_are_a_crisis(text):
    assert _shipped(text)[0] == "crisis"
