"""Per-language NLU evaluation on the held-out sets in tests/nlu/<language>.yml.

    python -m bot.evaluate [MODEL]    (`make evaluate`)

Prints accuracy and macro-F1 of intent classification per language (and how often the
conversation language is recognised), and writes the table to docs/nlu-evaluation.md.
"""
from __future__ import annotations

import asyncio
import sys
from typing import Dict, List, Tuple

import yaml
from sklearn.metrics import accuracy_score, f1_score

from bot.config import PROJECT_DIR
from bot.i18n import languages

HELD_OUT_DIR = PROJECT_DIR / "tests" / "nlu"
REPORT = PROJECT_DIR / "docs" / "nlu-evaluation.md"
BAR_MACRO_F1 = 0.90


def held_out_examples(language: str) -> List[Tuple[str, str]]:
    """(text, intent) pairs of one language's held-out set."""
    with open(HELD_OUT_DIR / f"{language}.yml", encoding="utf-8") as f:
        blocks = yaml.safe_load(f)["nlu"]
    return [
        (line[2:].strip(), block["intent"])
        for block in blocks
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def scores(expected: List[str], predicted: List[str]) -> Dict[str, float]:
    labels = sorted(set(expected))
    return {
        "accuracy": accuracy_score(expected, predicted),
        "macro_f1": f1_score(expected, predicted, labels=labels, average="macro", zero_division=0),
    }


async def evaluate(model_path: str) -> Dict[str, Dict[str, float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results = {}
    for language in languages():
        examples = held_out_examples(language)
        expected, predicted, language_hits, language_misses = [], [], 0, 0
        for text, intent in examples:
            parsed = await agent.parse_message(text)
            expected.append(intent)
            predicted.append(parsed["intent"]["name"])
            if intent == "change_language":
                continue  # these name another language on purpose
            found = {e["value"] for e in parsed["entities"] if e["entity"] == "language"}
            language_hits += found == {language}
            language_misses += bool(found - {language})
        language_total = sum(intent != "change_language" for _, intent in examples)
        results[language] = {
            **scores(expected, predicted),
            "language_recognised": language_hits / language_total,
            "language_mistaken": language_misses / language_total,
            "messages": len(examples),
            "errors": [(t, e, p) for (t, e), p in zip(examples, predicted) if e != p],
        }
    return results


def table(results: Dict[str, Dict[str, float]]) -> str:
    rows = [
        "| language | messages | accuracy | macro-F1 | language recognised | another language set |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for language, r in results.items():
        rows.append(
            f"| {language} | {r['messages']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} "
            f"| {r['language_recognised']:.3f} | {r['language_mistaken']:.3f} |"
        )
    return "\n".join(rows)


def main() -> int:
    model = sys.argv[1] if len(sys.argv) > 1 else str(PROJECT_DIR / "models")
    results = asyncio.run(evaluate(model))
    for language, r in results.items():
        for text, expected, predicted in r["errors"]:
            print(f"  {language}: {text!r}: expected {expected}, got {predicted}")
    report = table(results)
    print(report)
    REPORT.write_text(
        "# NLU evaluation on held-out messages\n\n"
        "Messages in `tests/nlu/` were written independently of the training data and are never\n"
        "trained on. Reproduce with `make evaluate`. Bar: macro-F1 >= 0.90 in every language.\n"
        "A message counts as correct only with the right intent above the fallback threshold.\n"
        "'language recognised': the message set the conversation language to its own language;\n"
        "otherwise it was too short or unclear and the conversation keeps its language, or (last\n"
        "column) it set another language.\n\n"
        f"{report}\n",
        encoding="utf-8",
    )
    failing = [lang for lang, r in results.items() if r["macro_f1"] < BAR_MACRO_F1]
    if failing:
        print(f"below the bar: {', '.join(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
