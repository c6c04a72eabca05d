"""The assistant's two processes (Rasa server and action server) on free local ports, as
`make run` starts them: used by the tests and by the benchmark."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

import yaml

from bot.config import PROJECT_DIR
from bot.launcher import MODEL, SERVER_ENV


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(ready: Callable[[], bool], seconds: float, what: str, process: subprocess.Popen) -> None:
    """Return once `ready()`; fail if `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited (see its log)")
        if ready():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not start within {seconds:.0f} s")


def accepts(port: int) -> bool:
    """Whether something listens on the local `port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def answers(url: str) -> bool:
    """Whether `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False



TOKEN = "test-token"  # Rasa HTTP API token of these processes


class Assistant:
    """The Rasa server and the action server, as `make run` starts them, on free local ports, with
    the handoff queue in `database_url`. Logs go to `log_dir` (read them when a test fails)."""

    def __init__(self, database_url: str, log_dir: Path, endpoints: dict | None = None, **env: str) -> None:
        self.port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.endpoints = log_dir / "endpoints.yml"
        settings = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text(encoding="utf-8"))
        settings.update(endpoints or {})
        settings["action_endpoint"]["url"] = f"http://127.0.0.1:{self.actions_port}/webhook"
        self.endpoints.write_text(yaml.safe_dump(settings), encoding="utf-8")
        self.env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url, "SANIC_HOST": "127.0.0.1", **env}
        self.actions = self.rasa = None

    def start(self) -> "Assistant":
        (PROJECT_DIR / "var").mkdir(exist_ok=True)
        self.start_actions()
        self.start_rasa()
        return self

    def start_actions(self) -> None:
        rasa = str(Path(sys.executable).with_name("rasa"))
        self.actions = subprocess.Popen(
            [rasa, "run", "actions", "--port", str(self.actions_port), "--actions", "actions"],
            cwd=PROJECT_DIR, env=self.env, stdout=open(self.log_dir / "actions.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_until(lambda: accepts(self.actions_port), 120, "the action server", self.actions)

    def kill_actions(self) -> None:
        self.actions.kill()
        self.actions.wait(timeout=30)

    def start_rasa(self) -> None:
        rasa = str(Path(sys.executable).with_name("rasa"))
        self.rasa = subprocess.Popen(
            [rasa, "run", "--model", str(MODEL), "--interface", "127.0.0.1", "--port", str(self.port),
             "--enable-api", "--auth-token", TOKEN,
             "--endpoints", str(self.endpoints), "--credentials", "credentials.yml"],
            cwd=PROJECT_DIR, env=self.env, stdout=open(self.log_dir / "rasa.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_until(lambda: answers(f"{self.url}/webhooks/rest/"), 300, "rasa run", self.rasa)

    def stop_rasa(self) -> None:
        self.rasa.terminate()
        self.rasa.wait(timeout=30)

    def stop(self) -> None:
        self.stop_rasa()
        self.actions.terminate()
        self.actions.wait(timeout=30)

    def post(self, data: bytes, path: str = "/webhooks/rest/webhook", headers: dict | None = None):
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def say(self, sender: str, text: str, **metadata):
        status, replies = self.post(json.dumps({"sender": sender, "message": text, "metadata": metadata}).encode())
        assert status == 200, replies
        return replies

    def staff_api(self, path: str, token: str, body: dict | None = None):
        """GET (no body) or POST a JSON body to the staff API."""
        headers = {"Authorization": f"Bearer {token}"}
        if body is None:
            request = urllib.request.Request(f"{self.url}/webhooks/staff/api{path}", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    return reply.status, json.loads(reply.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())
        return self.post(json.dumps(body).encode(), f"/webhooks/staff/api{path}", headers)
