"""The embedded conversation store (endpoints.yml → bot/tracker_store.py): loaded as configured
(Rasa falls back to an in-memory store, losing conversations on restart, if the class is not
found), SQLite in write-ahead-log mode with pooled connections, and conversations kept across a restart."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot.config import PROJECT_DIR
from bot.tracker_store import SQLiteTunedTrackerStore

DOMAIN = Domain.load(str(PROJECT_DIR / "domain.yml"))


def configured_store(db_path) -> TrackerStore:
    """The store endpoints.yml configures, on `db_path`, created the way `rasa run` creates it."""
    settings = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]
    return TrackerStore.create(EndpointConfig.from_dict({**settings, "db": str(db_path)}), domain=DOMAIN)


def unwrapped(store: TrackerStore) -> TrackerStore:
    """The store inside Rasa's wrappers (fail-safe, session-aware)."""
    while hasattr(store, "_tracker_store") or hasattr(store, "tracker_store"):
        store = getattr(store, "_tracker_store", None) or store.tracker_store
    return store


def test_endpoints_yml_loads_our_sqlite_store_in_wal_mode(tmp_path):
    store = unwrapped(configured_store(tmp_path / "tracker.db"))
    assert isinstance(store, SQLiteTunedTrackerStore)
    assert isinstance(store.engine.pool, sa.pool.QueuePool)
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_conversation_survives_a_restart(tmp_path):
    async def scenario():
        store = configured_store(tmp_path / "tracker.db")
        tracker = await store.get_or_create_tracker("visitor-1")
        for text in ("ile kosztuje leczenie?", "dziękuję"):
            tracker.update(UserUttered(text, {"name": "cost", "confidence": 0.9}))
            tracker.update(ActionExecuted("utter_cost"))
            tracker.update(BotUttered("…"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)
        unwrapped(store).engine.dispose()
        restarted = configured_store(tmp_path / "tracker.db")
        return tracker, await restarted.retrieve("visitor-1")

    # (in a thread of its own: the browser tests' Playwright keeps an event loop running in this one)
    with ThreadPoolExecutor(1) as thread:
        saved, retrieved = thread.submit(asyncio.run, scenario()).result()
    assert [e.as_dict() for e in retrieved.events] == [e.as_dict() for e in saved.events]
    assert [e.text for e in retrieved.events if isinstance(e, UserUttered)] == ["ile kosztuje leczenie?", "dziękuję"]

