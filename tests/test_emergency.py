from bot.emergency import emergency_numbers_text, normalize_country, number_for


def test_known_country_gets_its_number():
    assert emergency_numbers_text("BR", "pt") == "192"
    assert emergency_numbers_text("FR", "fr") == "15"
    assert emergency_numbers_text("TW", "zh_Hant") == "119"
    assert emergency_numbers_text("PL", "en") == "112"


def test_unknown_country_lists_the_language_countries_in_the_locale():
    assert emergency_numbers_text(None, "es") == "112 (España), 911 (México) o 107 (Argentina)"
    assert emergency_numbers_text(None, "pt") == "112 (Portugal) ou 192 (Brasil)"
    assert emergency_numbers_text(None, "pl") == "112"
    assert "119 (台灣)" in emergency_numbers_text(None, "zh_Hant")
    assert emergency_numbers_text("DE", "en").endswith("or 112")


def test_country_codes_are_validated():
    assert normalize_country("pl") == "PL"
    assert normalize_country("XX") is None
    assert normalize_country("001") is None
    assert normalize_country(None) is None
    assert number_for("ZZ") is None
