"""Reviewable knowledge kept as data: languages, emergency numbers, programme facts, sources."""
from functools import lru_cache

import yaml

from bot.config import KNOWLEDGE_DIR


@lru_cache(maxsize=None)
def load(name: str):
    """Return the parsed contents of `bot/knowledge/<name>.yml` (read once)."""
    with open(KNOWLEDGE_DIR / f"{name}.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)
