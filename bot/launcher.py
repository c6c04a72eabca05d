"""`make run`: start the action server and the Rasa server on localhost; Ctrl-C stops both.

Creates a random RASA_AUTH_TOKEN in `.env` on first run, waits until the assistant answers, then
prints the chat page's address.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot import config, db, tickets

MODEL = config.PROJECT_DIR / "models" / "cp-assistant.tar.gz"
READY_TIMEOUT_SECONDS = 300
# Environment of the serving processes. OMP_NUM_THREADS=1: the sentence encoder on two OpenMP
# threads encodes faster on an idle machine, but when the other core is busy its threads wait for
# each other (spinning even with OMP_WAIT_POLICY=PASSIVE): at 50 visitors next to another busy
# process, 99 ms of CPU a message and p95 6.1 s, against 37 ms and 0.4-1.3 s on one thread.
# SANIC_HOST (set with the address) keeps the action server on localhost; rasa-sdk has no --interface.
SERVER_ENV = {"RASA_TELEMETRY_ENABLED": "false", "OMP_NUM_THREADS": "1"}
PURGE_INTERVAL_SECONDS = 24 * 3600


def ensure_auth_token(env_file: Path = config.PROJECT_DIR / ".env") -> str:
    """The API token from `.env`, written there (with a random value) if absent."""
    if config.RASA_AUTH_TOKEN:
        return config.RASA_AUTH_TOKEN
    token = secrets.token_urlsafe(32)
    existing = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    env_file.write_text(f"{existing}{separator}RASA_AUTH_TOKEN={token}\n", encoding="utf-8")
    env_file.chmod(0o600)
    return token


def commands(token: str) -> list[list[str]]:
    rasa = str(Path(sys.executable).with_name("rasa"))
    return [
        [rasa, "run", "actions", "--port", str(config.ACTIONS_PORT), "--actions", "actions"],
        [
            rasa, "run", "--model", str(MODEL),
            "--interface", config.RASA_HOST, "--port", str(config.RASA_PORT),
            "--enable-api", "--auth-token", token,
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        ],
    ]


def wait_until_ready(url: str, processes: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    token = ensure_auth_token()
    config.VAR_DIR.mkdir(parents=True, exist_ok=True)
    queue = db.connect(config.DATABASE_URL)  # migrate once here, not in both processes at once
    env = {**os.environ, **SERVER_ENV, "SANIC_HOST": config.RASA_HOST}
    started = time.monotonic()
    processes = [subprocess.Popen(cmd, cwd=config.PROJECT_DIR, env=env) for cmd in commands(token)]
    signal.signal(signal.SIGTERM, lambda *_: (stop(processes), sys.exit(0)))
    base = f"http://{config.RASA_HOST}:{config.RASA_PORT}"
    try:
        if not wait_until_ready(f"{base}/webhooks/rest/", processes):
            print("The assistant did not start; see the messages above.", file=sys.stderr)
            return 1
        print(f"\nReady in {time.monotonic() - started:.0f} s. Chat page: {base}/webhooks/chat/")
        print(f"Staff page: {base}/webhooks/staff/   (accounts: make staff-user NAME=...)")
        print(f"REST channel: {base}/webhooks/rest/webhook   (Ctrl-C stops everything)\n")
        next_purge = 0.0
        while all(p.poll() is None for p in processes):
            if time.monotonic() >= next_purge:  # keep the retention promise made to visitors
                tickets.purge_expired(queue)
                next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            time.sleep(1)
        print("A process stopped; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
