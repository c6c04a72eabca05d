"""Every visitor-facing string exists, complete and well-formed, in all eight languages."""
import re

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR, PROJECT_DIR
from bot.i18n import CatalogError, Catalogs, catalogs, languages
from bot.responses import render

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read_catalog(path):
    with open(path, "rb") as f:
        return read_po(f)


TEMPLATE = read_catalog(LOCALES_DIR / "messages.pot")
TEMPLATE_KEYS = {(m.context, m.id) for m in TEMPLATE if m.id}
DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text(encoding="utf-8"))


def test_eight_languages():
    assert languages() == ["en", "zh_Hant", "es", "fr", "pl", "pt", "ro", "ru"]


def test_every_template_message_has_a_key():
    assert all(m.context for m in TEMPLATE if m.id)


@pytest.mark.parametrize("language", languages())
def test_catalog_is_complete_and_well_formed(language):
    catalog = read_catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    messages = [m for m in catalog if m.id]
    assert {(m.context, m.id) for m in messages} == TEMPLATE_KEYS
    assert [m.context for m in messages if m.fuzzy] == []
    assert [m.context for m in messages if not m.string] == []
    assert [(m.context, errors) for m, errors in catalog.check()] == []
    for m in messages:
        assert sorted(PLACEHOLDER.findall(m.string)) == sorted(PLACEHOLDER.findall(m.id)), m.context
        m.string % {name: "x" for name in PLACEHOLDER.findall(m.id)}  # no stray % signs
        if m.context.startswith("language_name_"):
            assert m.string == m.id


@pytest.mark.parametrize("language", [l for l in languages() if l != "en"])
def test_no_silent_english(language):
    texts = catalogs()
    same = [
        key for key in texts.keys("en")
        if not key.startswith("language_name_") and texts.text(language, key, PARAMS) == texts.text("en", key, PARAMS)
    ]
    assert same == []


PARAMS = {
    "emergency": "112", "price": "1", "contact_url": "u", "language": "L", "max_length": "5",
    "retention_days": "90", "reference": "CP-ABC234", "response_time": "2 days", "contact_language": "L",
}
# Placeholders that actions pass with a response (the others every message may use).
ACTION_PARAMS = {"reference": "CP-ABC234", "response_time": "2 days", "contact_language": "L"}


@pytest.mark.parametrize("language", languages())
def test_every_domain_response_renders(language):
    for name, variations in DOMAIN["responses"].items():
        message = render(name, variations[0], language, first_reply=True, extra=ACTION_PARAMS)
        assert message["text"].strip() and "%(" not in message["text"], name
        for button in message.get("buttons", []):
            assert button["title"].strip() and button["payload"].startswith("/")


def test_a_missing_compiled_catalog_fails_loudly(tmp_path):
    with pytest.raises(CatalogError, match="missing compiled catalog"):
        Catalogs.load(tmp_path)


def test_an_unknown_message_fails_loudly():
    with pytest.raises(CatalogError):
        catalogs().text("pl", "utter_does_not_exist")
