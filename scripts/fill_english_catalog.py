"""Make locales/en/LC_MESSAGES/messages.po from the template: English text is its own translation."""
from babel.messages.pofile import read_po, write_po

from bot.config import LOCALES_DIR

with open(LOCALES_DIR / "messages.pot", "rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
        message.flags.discard("fuzzy")
catalog.fuzzy = False
target = LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po"
target.parent.mkdir(parents=True, exist_ok=True)
with open(target, "wb") as f:
    write_po(f, catalog, width=100)
