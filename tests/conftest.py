import uuid

import pytest

from bot import db

from tests.services import Assistant, Postgres


@pytest.fixture(scope="session")
def postgres():
    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each kind the queue supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoff.db'}"
    return request.getfixturevalue("postgres").new_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The running assistant (shared by every test that talks to it), queue in a SQLite file."""
    folder = tmp_path_factory.mktemp("assistant")
    running = Assistant(f"sqlite:///{folder / 'handoff.db'}", folder).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def queue(server):
    """The running assistant's handoff queue."""
    return db.connect(server.env["DATABASE_URL"])
