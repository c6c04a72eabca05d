"""`make benchmark`: our assistant and a stock `rasa init` assistant, measured in one run on this
machine, over the REST channel, and ours also over the chat widget's socket.io channel (time to the first answer).

Simulated visitors each send a message every INTERVAL seconds (conversations in eight languages
from tests/benchmark/conversations.yml; the stock assistant gets its own English examples), at
each load in LOADS. Reports per-message latency p50/p95/p99, throughput, errors, peak memory of
each process, time from start to ready and full training time; writes docs/performance.json,
docs/performance.png and docs/performance.md, with our figures as ratios to the stock ones.
"""
from __future__ import annotations

import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

import aiohttp
import psutil
import socketio
import yaml

from bot.config import PROJECT_DIR
from bot.evaluate_triage import pattern_latency_ms
from bot.processes import Assistant, answers, free_port, wait_until

LOADS = (10, 25, 50)          # concurrent visitors
INTERVAL = 2.0                # seconds between one visitor's messages
SECONDS_PER_LOAD = 40
DOCS = PROJECT_DIR / "docs"
CONVERSATIONS = yaml.safe_load((PROJECT_DIR / "tests" / "benchmark" / "conversations.yml").read_text(encoding="utf-8"))
# The embedded set-up's conversation store (endpoints.yml), on a file of its own.
TRACKER_STORE = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]
STOCK_MESSAGES = ["hello", "I am sad", "yes", "great, thanks", "are you a bot?", "bye"]


def rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


class PeakMemory:
    """Samples the resident memory of processes (with their children) until stopped."""

    def __init__(self, processes: Dict[str, subprocess.Popen]) -> None:
        self.peaks = {name: 0.0 for name in processes}
        self._processes = {name: psutil.Process(p.pid) for name, p in processes.items()}
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._running:
            for name, process in self._processes.items():
                try:
                    rss = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
                    self.peaks[name] = max(self.peaks[name], rss / 2**20)
                except psutil.Error:
                    pass
            time.sleep(0.2)

    def stop(self) -> Dict[str, float]:
        self._running = False
        self._thread.join()
        return {name: round(mb) for name, mb in self.peaks.items()}


async def visitor(session: aiohttp.ClientSession, url: str, messages: List[dict], deadline: float,
                  latencies: List[float], errors: List[str]) -> None:
    """One visitor: its conversation's messages one every INTERVAL s, a new conversation when done."""
    await asyncio.sleep(random.uniform(0, INTERVAL))
    while time.monotonic() < deadline:
        sender = f"bench-{uuid.uuid4().hex}"
        for message in messages:
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            try:
                async with session.post(url, json={"sender": sender, **message}) as reply:
                    body = await reply.json()
                    if reply.status != 200 or not body:
                        errors.append(f"HTTP {reply.status}")
            except Exception as error:  # noqa: BLE001 - every failure is counted
                errors.append(type(error).__name__)
            latencies.append((time.monotonic() - started) * 1000)
            await asyncio.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))


def widget_visitor(url: str, messages: List[dict], deadline: float, latencies: List[float], errors: List[str]) -> None:
    """One visitor in the chat widget (socket.io over a websocket): time to the first answer.

    (A thread with python-socketio's client: its asyncio client needs a newer aiohttp than Rasa's.)
    """
    client = socketio.Client(reconnection=False)
    answered = threading.Event()
    client.on("bot_uttered", lambda _data: answered.set())
    time.sleep(random.uniform(0, INTERVAL))
    try:
        client.connect(url, transports=["websocket"], socketio_path="socket.io")
    except Exception as error:  # noqa: BLE001 - every failure is counted
        errors.append(type(error).__name__)
        return
    try:
        while time.monotonic() < deadline:
            session = uuid.uuid4().hex
            client.emit("session_request", {"session_id": session})
            for message in messages:
                if time.monotonic() >= deadline:
                    return
                answered.clear()
                started = time.monotonic()
                client.emit("user_uttered", {"session_id": session, **message})
                if not answered.wait(60):
                    errors.append("no answer in 60 s")
                latencies.append((time.monotonic() - started) * 1000)
                time.sleep(max(0.0, INTERVAL - (time.monotonic() - started)))
    finally:
        client.disconnect()


async def rest_load(url: str, visitors: int, conversations: List[List[dict]],
                    latencies: List[float], errors: List[str]) -> None:
    deadline = time.monotonic() + SECONDS_PER_LOAD
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(visitor(session, url, conversations[i % len(conversations)], deadline, latencies, errors)
                               for i in range(visitors)))


def load(url: str, visitors: int, conversations: List[List[dict]], widget: bool = False) -> Dict[str, float]:
    """`visitors` at once over REST (`url` is the webhook) or the widget's socket.io (`url` is the server)."""
    latencies: List[float] = []
    errors: List[str] = []
    if widget:
        deadline = time.monotonic() + SECONDS_PER_LOAD
        threads = [threading.Thread(target=widget_visitor, args=(
            url, conversations[i % len(conversations)], deadline, latencies, errors)) for i in range(visitors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        asyncio.run(rest_load(url, visitors, conversations, latencies, errors))
    quantiles = statistics.quantiles(latencies, n=100)
    return {"visitors": visitors, "messages": len(latencies), "errors": len(errors),
            "throughput_per_s": round(len(latencies) / SECONDS_PER_LOAD, 1),
            "p50_ms": round(quantiles[49], 1), "p95_ms": round(quantiles[94], 1), "p99_ms": round(quantiles[98], 1)}


def measure(url: str, processes: Dict[str, subprocess.Popen], conversations: List[List[dict]],
            widget_url: str = "") -> dict:
    """REST at each load; with `widget_url`, the widget's socket.io at each load too."""
    memory = PeakMemory(processes)
    result = {"loads": [load(url, n, conversations) for n in LOADS]}
    if widget_url:
        result["widget_loads"] = [load(widget_url, n, conversations, widget=True) for n in LOADS]
    for row in result["loads"] + result.get("widget_loads", []):
        print(f"  {row}")
    return {**result, "peak_rss_mb": memory.stop()}


def timed(command: List[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.monotonic() - started, 1)


def ours(work: Path) -> dict:
    print("ours: full training…")
    train_s = timed([rasa(), "train", "--force", "--fixed-model-name", "bench", "--out", str(work)], PROJECT_DIR)
    assistant = Assistant(f"sqlite:///{work / 'handoff.db'}", work / "logs",
                          {"tracker_store": {**TRACKER_STORE, "db": str(work / "tracker.db")}})
    started = time.monotonic()
    assistant.start()
    ready_s = round(time.monotonic() - started, 1)
    conversations = [[{"message": m, "metadata": {"language": language}} for m in messages]
                     for language, messages in CONVERSATIONS.items()]
    print(f"ours: ready in {ready_s} s; load…")
    try:
        result = measure(f"{assistant.url}/webhooks/rest/webhook",
                         {"rasa": assistant.rasa, "actions": assistant.actions}, conversations, assistant.url)
    finally:
        assistant.stop()
    return {"train_s": train_s, "ready_s": ready_s, **result}


def stock(work: Path) -> dict:
    print("stock: rasa init (creates and trains the default assistant)…")
    project = work / "stock"
    project.mkdir()
    train_s = timed([rasa(), "init", "--no-prompt", "--init-dir", str(project)], work)
    port = free_port()
    started = time.monotonic()
    server = subprocess.Popen([rasa(), "run", "--port", str(port), "--interface", "127.0.0.1"], cwd=project,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    wait_until(lambda: answers(f"http://127.0.0.1:{port}/webhooks/rest/"), 600, "the stock assistant", server)
    ready_s = round(time.monotonic() - started, 1)
    print(f"stock: ready in {ready_s} s; load…")
    try:
        result = measure(url, {"rasa": server}, [[{"message": m}] for m in STOCK_MESSAGES])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"train_s": train_s, "ready_s": ready_s, **result}


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for name, style in (("ours", "-"), ("stock", "--")):
        loads = results[name]["loads"]
        for quantile, marker in (("p50_ms", "o"), ("p95_ms", "s"), ("p99_ms", "^")):
            axis.plot([r["visitors"] for r in loads], [r[quantile] for r in loads], style, marker=marker,
                      label=f"{name} {quantile[:3]}")
    axis.axhline(200, color="grey", linewidth=0.8, linestyle=":", label="target p95 200 ms")
    axis.set_xlabel(f"concurrent visitors (one message every {INTERVAL:g} s each)")
    axis.set_ylabel("latency per message (ms)")
    axis.set_title("REST round trip on a 2-core machine")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def report(results: dict) -> str:
    o, s = results["ours"], results["stock"]
    lines = ["# Performance", "",
             "Measured by `make benchmark` (bot/benchmark.py) on one 2-core machine, ours and a stock `rasa init`",
             "assistant in the same run, over the REST channel. Ratios are ours ÷ stock (below 1: ours is",
             "faster or smaller). The machines are shared: compare within a run.", "",
             "| load | ours p50 / p95 / p99 (ms) | stock p50 / p95 / p99 (ms) | p95 ratio | ours msg/s | errors (ours, stock) |",
             "|---:|---|---|---:|---:|---|"]
    for ro, rs in zip(o["loads"], s["loads"]):
        lines.append(f"| {ro['visitors']} visitors | {ro['p50_ms']} / {ro['p95_ms']} / {ro['p99_ms']} | "
                     f"{rs['p50_ms']} / {rs['p95_ms']} / {rs['p99_ms']} | {ro['p95_ms'] / rs['p95_ms']:.2f} | "
                     f"{ro['throughput_per_s']} | {ro['errors']}, {rs['errors']} |")
    lines += ["", "Ours through the chat widget (socket.io, websocket transport), time from sending to the first",
              "answer, in the same run:", "",
              "| load | p50 / p95 / p99 (ms) | msg/s | errors |", "|---:|---|---:|---:|"]
    lines += [f"| {r['visitors']} visitors | {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} | {r['throughput_per_s']} | "
              f"{r['errors']} |" for r in o["widget_loads"]]
    lines += ["", "| | ours | stock | ratio | target |", "|---|---:|---:|---:|---|",
              f"| time to ready (s) | {o['ready_s']} | {s['ready_s']} | {o['ready_s'] / s['ready_s']:.2f} | ≤ 30 s |",
              f"| full training (s) | {o['train_s']} | {s['train_s']} | {o['train_s'] / s['train_s']:.2f} | ≤ 300 s |",
              f"| Rasa server peak memory (MB) | {o['peak_rss_mb']['rasa']} | {s['peak_rss_mb']['rasa']} | "
              f"{o['peak_rss_mb']['rasa'] / s['peak_rss_mb']['rasa']:.2f} | ≤ 1536 MB |",
              f"| action server peak memory (MB) | {o['peak_rss_mb']['actions']} | — | | |",
              f"| triage pattern layer, median per message (ms) | {results['triage_ms']:.2f} | — | | < 5 ms |",
              "", "![latency against load](performance.png)", ""]
    return "\n".join(lines)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    try:
        results = {"machine": {"cpus": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30)},
                   "interval_s": INTERVAL, "seconds_per_load": SECONDS_PER_LOAD,
                   "triage_ms": pattern_latency_ms(), "ours": ours(work), "stock": stock(work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (DOCS / "performance.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    plot(results, DOCS / "performance.png")
    table = report(results)
    (DOCS / "performance.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
