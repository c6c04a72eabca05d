from bot.language import (
    detect_language,
    fold,
    guess_language,
    message_language,
    normalize_tag,
    requested_language,
)


def test_website_tags_map_to_our_languages():
    assert normalize_tag("pt-BR") == "pt"
    assert normalize_tag("zh_TW") == "zh_Hant"
    assert normalize_tag("zh-Hans") == "zh_Hant"  # Simplified readers are answered in Traditional
    assert normalize_tag(" EN ") == "en"
    assert normalize_tag("de") is None
    assert normalize_tag(42) is None


def test_detects_each_language_from_a_real_question():
    assert detect_language("ile kosztuje leczenie?") == "pl"
    assert detect_language("多少錢？") == "zh_Hant"
    assert detect_language("干细胞治疗多少钱") == "zh_Hant"
    assert detect_language("сколько стоит лечение") == "ru"
    assert detect_language("cuanto cuesta el tratamiento") == "es"
    assert detect_language("combien ça coûte pour mon fils") == "fr"
    assert detect_language("quanto custa o tratamento para o meu filho") == "pt"
    assert detect_language("cat costa tratamentul") == "ro"
    assert detect_language("how long is the stay at the clinic") == "en"


def test_too_short_or_ambiguous_keeps_the_current_language():
    for text in ["ok", "", "   ", "👍", "123", "hello", "si"]:
        assert detect_language(text) is None, text


def test_a_guess_is_made_only_when_there_is_something_to_guess_from():
    assert guess_language("ola, boa tarde") in {"pt", "es", "ro"}
    assert guess_language("ok") is None


def test_language_requests_in_any_language():
    assert requested_language("can you speak Polish?") == "pl"
    assert requested_language("po polsku prosze") == "pl"
    assert requested_language("请说中文") == "zh_Hant"
    assert requested_language("по-русски пожалуйста") == "ru"
    assert requested_language("hablas español?") == "es"
    assert requested_language("what is cerebral palsy") is None


def test_request_beats_metadata_beats_detection():
    assert message_language("in French please", {"language": "en"}, "change_language") == "fr"
    assert message_language("ile kosztuje leczenie?", {"language": "en"}, "program_cost") == "en"
    assert message_language("ile kosztuje leczenie?", {}, "program_cost") == "pl"
    assert message_language("ok", None, "affirm") is None


def test_fold_removes_case_accents_and_simplified_forms_keeping_length():
    assert fold("Zażółć ĂÎȘȚ Ça") == "zazolc aist ca"
    assert fold("脑瘫 干细胞") == "腦癱 幹細胞"
    text = "Móżgowe porażenie 腦性麻痺"
    assert len(fold(text)) == len(text)
