"""Real services for the tests: a throwaway PostgreSQL server from Debian's packages, and the
assistant itself (Rasa and action servers) on free ports.

`make test` installs the package (scripts/install-test-packages.sh); a missing server is an
error here, never a skip.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from bot.config import PROJECT_DIR
from bot.launcher import MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed: run scripts/install-test-packages.sh (make test does)")
    return Path(found[-1]).parent


class Postgres:
    """initdb + pg_ctl on a free local port, trust auth, data in a temporary folder."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cp-pg-"))
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: run it as the `postgres` user the package creates.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "Postgres":
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "start",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off")
        return self

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self, name: str) -> str:
        self._run(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "-c", f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


class Redis:
    """redis-server on a free local port, nothing saved to disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "Redis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


TOKEN = "test-token"


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
        self.env = {**os.environ, "DATABASE_URL": database_url, "SANIC_HOST": "127.0.0.1",
                    "RASA_TELEMETRY_ENABLED": "false", **env}
        self.actions = self.rasa = None

    def start(self) -> "Assistant":
        (PROJECT_DIR / "var").mkdir(exist_ok=True)
        rasa = str(Path(sys.executable).with_name("rasa"))
        if self.actions is None or self.actions.poll() is not None:
            self.actions = subprocess.Popen(
                [rasa, "run", "actions", "--port", str(self.actions_port), "--actions", "actions"],
                cwd=PROJECT_DIR, env=self.env, stdout=open(self.log_dir / "actions.log", "ab"), stderr=subprocess.STDOUT,
            )
        self.start_rasa()
        return self

    def start_rasa(self) -> None:
        rasa = str(Path(sys.executable).with_name("rasa"))
        self.rasa = subprocess.Popen(
            [rasa, "run", "--model", str(MODEL), "--interface", "127.0.0.1", "--port", str(self.port),
             "--enable-api", "--auth-token", TOKEN,
             "--endpoints", str(self.endpoints), "--credentials", "credentials.yml"],
            cwd=PROJECT_DIR, env=self.env, stdout=open(self.log_dir / "rasa.log", "ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert self.rasa.poll() is None, f"rasa run exited; see {self.log_dir / 'rasa.log'}"
            try:
                urllib.request.urlopen(f"{self.url}/webhooks/rest/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError("rasa run did not become ready")

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
