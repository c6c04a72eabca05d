"""The lock store that serialises one conversation's messages across Rasa instances."""
import threading
import uuid
from collections import Counter

import pytest
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import AtomicRedisLockStore
from tests.services import Redis


@pytest.fixture(scope="module")
def redis():
    server = Redis().start()
    yield server
    server.stop()


def duplicate_tickets(stores) -> int:
    """Each store (one per instance) takes 10 tickets for one conversation at the same time."""
    conversation = f"c-{uuid.uuid4()}"
    issued = []
    threads = [threading.Thread(target=lambda s=s: issued.extend(s.issue_ticket(conversation) for _ in range(10)))
               for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count - 1 for count in Counter(issued).values())


def test_tickets_are_unique_when_instances_take_them_at_once(redis):
    config = EndpointConfig(url="127.0.0.1", port=redis.port, db=1)
    stores = [AtomicRedisLockStore(config) for _ in range(4)]
    assert sum(duplicate_tickets(stores) for _ in range(10)) == 0


def test_rasas_own_redis_lock_store_is_not_safe_across_instances(redis):
    """Why ours exists; if a Rasa upgrade fixes this, this test says so and ours can go."""
    stores = [RedisLockStore(host="127.0.0.1", port=redis.port, db=1) for _ in range(4)]
    assert sum(duplicate_tickets(stores) for _ in range(10)) > 0


def test_messages_are_served_in_ticket_order_and_the_lock_is_removed_after(redis):
    store = AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=redis.port, db=1))
    conversation = f"c-{uuid.uuid4()}"
    first, second = store.issue_ticket(conversation), store.issue_ticket(conversation)
    lock = store.get_lock(conversation)
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup(conversation, first)
    assert not store.get_lock(conversation).is_locked(second)
    store.cleanup(conversation, second)
    assert store.get_lock(conversation) is None
