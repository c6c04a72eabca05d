import uuid

import pytest

from bot import db

from bot.processes import Assistant
from tests.services import Postgres

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling Google's hosts, which this machine refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian's package, driven by Playwright (whose own download cannot work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def api_token(queue):
    """A staff user's token for the staff JSON API."""
    from bot import staff_accounts

    name = f"staff-{uuid.uuid4().hex[:6]}"
    staff_accounts.create_user(queue, name, "a long test passphrase")
    return staff_accounts.create_api_token(queue, name)
