"""Per-language triage evaluation on the test sets in tests/triage/.

    python -m bot.evaluate_triage [MODEL] [SET]    (`make triage-eval`)

SET is `tests/triage` (default; the patterns were extended after a first run on it),
`tests/triage/unseen` (written later by others; its first run is reported, then general fixes
were made), `tests/triage/fresh` and `tests/triage/fresh2` (the same again), `tests/triage/fresh3` (the
same again), `tests/triage/fresh4` (the same again), or `tests/triage/fresh5` (written while the crisis layer
by meaning was built, by helpers who saw neither it nor the patterns). Runs each message
through the trained model (triage is its last NLU step), prints per language the recall of each
level and how often benign messages were raised, and writes the table to docs/. Bar: 100% recall
for emergency and crisis; benign messages raised to emergency at most 5%.
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.config import PROJECT_DIR
from bot.i18n import languages
from bot.triage import LEVELS, red_flags

TEST_DIR = PROJECT_DIR / "tests" / "triage"
REPORTS = {"triage": "triage-evaluation.md", "unseen": "triage-evaluation-unseen.md",
           "fresh": "triage-evaluation-fresh.md", "fresh2": "triage-evaluation-fresh2.md",
           "fresh3": "triage-evaluation-fresh3.md", "fresh4": "triage-evaluation-fresh4.md",
           "fresh5": "triage-evaluation-fresh5.md"}
MAX_BENIGN_AS_EMERGENCY = 0.05


def test_set(language: str, directory: Path = TEST_DIR) -> Dict[str, List[str]]:
    with open(directory / f"{language}.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def caught(expected: str, got: Optional[str]) -> bool:
    """Emergency and crisis must be found as such; urgent and clinical at least at their level."""
    if expected in ("emergency", "crisis"):
        return got == expected
    return got is not None and LEVELS.index(got) <= LEVELS.index(expected)


async def evaluate(model_path: str, directory: Path = TEST_DIR) -> Dict[str, Dict[str, object]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results = {}
    for language in languages():
        cases = test_set(language, directory)
        row: Dict[str, object] = {"misses": []}
        for expected in LEVELS:
            levels = [await _level(agent, text) for text in cases.get(expected, [])]
            row[expected] = sum(caught(expected, got) for got in levels) / max(len(levels), 1)
            row["misses"] += [(expected, t, g) for t, g in zip(cases.get(expected, []), levels)
                              if not caught(expected, g)]
        benign = [await _level(agent, text) for text in cases["benign"]]
        row["benign_as_emergency"] = benign.count("emergency") / len(benign)
        row["benign_as_crisis"] = benign.count("crisis") / len(benign)
        row["benign_raised"] = sum(level is not None for level in benign) / len(benign)
        row["misses"] += [("benign", t, g) for t, g in zip(cases["benign"], benign) if g]
        row["messages"] = sum(len(v) for v in cases.values())
        results[language] = row
    return results


async def _level(agent, text: str) -> Optional[str]:
    parsed = await agent.parse_message(text)
    return (parsed.get("triage") or {}).get("level")


def pattern_latency_ms() -> float:
    """Median time of the pattern layer on every test message (after the patterns are compiled)."""
    flags = red_flags()
    texts = [t for lang in languages() for msgs in test_set(lang).values() for t in msgs]
    timings = []
    for text in texts:
        start = time.perf_counter()
        flags.match(text)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def table(results: Dict[str, Dict[str, object]]) -> str:
    rows = ["| language | messages | emergency | crisis | urgent | clinical | benign → emergency | benign → crisis | benign raised |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for language, r in results.items():
        rows.append(f"| {language} | {r['messages']} | {r['emergency']:.0%} | {r['crisis']:.0%} | {r['urgent']:.0%} "
                    f"| {r['clinical']:.0%} | {r['benign_as_emergency']:.1%} | {r['benign_as_crisis']:.1%} "
                    f"| {r['benign_raised']:.1%} |")
    return "\n".join(rows)


def main() -> int:
    model = sys.argv[1] if len(sys.argv) > 1 else str(PROJECT_DIR / "models")
    directory = (PROJECT_DIR / sys.argv[2]).resolve() if len(sys.argv) > 2 else TEST_DIR
    results = asyncio.run(evaluate(model, directory))
    for language, r in results.items():
        for expected, text, got in r["misses"]:
            print(f"  {language}: {expected} → {got}: {text!r}")
    report = table(results)
    latency = pattern_latency_ms()
    print(report)
    print(f"pattern layer: median {latency:.3f} ms per message")
    report_path = PROJECT_DIR / "docs" / REPORTS[directory.name]
    report_path.write_text(
        "# Triage evaluation\n\n"
        f"Messages in `{directory.relative_to(PROJECT_DIR)}/`, written without seeing the red-flag\n"
        "patterns. Reproduce with `make triage-eval`. Columns: share of each level's messages triaged at that level\n"
        "(urgent and clinical: at that level or a more serious one); benign messages raised to\n"
        "emergency, and to any level. Bar: 100% for emergency and crisis; benign → emergency ≤ 5%.\n\n"
        f"{report}\n\nPattern layer: median {latency:.3f} ms per message.\n",
        encoding="utf-8",
    )
    failing = [lang for lang, r in results.items()
               if r["emergency"] < 1 or r["crisis"] < 1 or r["benign_as_emergency"] > MAX_BENIGN_AS_EMERGENCY]
    if failing:
        print(f"below the bar: {', '.join(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
