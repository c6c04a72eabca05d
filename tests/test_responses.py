from bot.i18n import catalogs, format_price
from bot.responses import conversation_language, render

GREET = {"text": "utter_greet"}


def test_first_reply_starts_with_the_disclosure_in_the_visitor_language():
    message = render("utter_greet", GREET, "pl", country="PL", first_reply=True)
    disclosure = catalogs().text("pl", "utter_disclosure", {"emergency": "112"})
    assert message["text"].startswith(disclosure)
    assert "112" in message["text"]
    assert not render("utter_greet", GREET, "pl").get("text").startswith(disclosure)


def test_answers_on_evidence_carry_their_sources():
    message = render("utter_stem_cell_evidence", {"text": "utter_stem_cell_evidence"}, "ru")
    assert catalogs().text("ru", "label_sources") in message["text"]
    assert "https://" in message["text"]


def test_buttons_are_translated():
    response = {"text": "utter_offer_staff", "buttons": [{"title": "button_contact_staff", "payload": "/request_human"}]}
    message = render("utter_offer_staff", response, "fr")
    assert message["buttons"] == [{"title": catalogs().text("fr", "button_contact_staff"), "payload": "/request_human"}]


def test_price_is_formatted_for_each_locale():
    assert format_price(23000, "USD", "en") == "$23,000"
    assert format_price(23000, "USD", "pl") == "23\xa0000\xa0USD"
    assert format_price(23000, "USD", "pt") == "US$\xa023.000"
    text = render("utter_program_cost", {"text": "utter_program_cost"}, "es")["text"]
    assert "23.000" in text


def test_conversation_language():
    assert conversation_language("ru") == "ru"
    assert conversation_language(None, "quanto custa o tratamento para o meu filho") == "pt"
    assert conversation_language(None, "ok") == "en"
