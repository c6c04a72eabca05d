"""Rasa's Redis lock store, with each change to a conversation's ticket queue made atomic.

Rasa 3.6's `RedisLockStore` reads a conversation's tickets, changes them and writes them back
in separate calls. Two instances taking a ticket at the same moment can get the same number
and both process a message of that conversation at once: 4 stores taking 10 tickets each at
once got 20-25 duplicates in 40 here (`tests/test_lock_store.py`). This store keeps Rasa's tickets and order, and runs each
read-change-write under a short Redis mutex (redis-py's `Lock`).
"""
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes cannot interleave between instances."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _mutex(self, conversation_id: str):
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex",
                             timeout=MUTEX_SECONDS, blocking_timeout=MUTEX_SECONDS)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
