"""The conversation store of the embedded set-up (endpoints.yml): Rasa's `SQLTrackerStore`, tuned
for a SQLite file.

SQLAlchemy 1.4 opens a new SQLite connection for every session on a file (`NullPool`), and SQLite's
default rollback journal rewrites the file on every commit: reading and saving a conversation took
10 ms a message. Here connections stay open (`QueuePool`) and the journal is a write-ahead log
(WAL, still `synchronous=FULL`: a committed message survives a crash): 6 ms. PostgreSQL
(deploy/endpoints.production.yml) is left as Rasa configures it.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore


class SQLiteTunedTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore`; on SQLite, pooled connections and a write-ahead log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            return
        self.engine.dispose()
        self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool,
                                       connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def _write_ahead_log(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
