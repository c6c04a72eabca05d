"""Suicide and self-harm warning signs recognised by meaning, for what no pattern was written for.

Crises are often told indirectly ("I've sorted the paperwork, thank you for everything", "some
nights I sit in the garage with the engine running"). A message is a crisis when its sentence
embedding (multilingual-e5, the NLU's dense features) is closer to the crisis examples than to
everything else: the mean similarity of its `neighbours` closest crisis examples minus that of its
`neighbours` closest other examples is at least `margin`.

- Crisis examples: the reviewed warning signs in `bot/knowledge/crisis_examples/<language>.yml`
  (`crisis`) and the NLU's `crisis` training examples.
- Other examples: the reviewed look-alikes there (`not_crisis`: "dying of laughter", an ordinary
  goodbye, an outgrown wheelchair given away) and the NLU's training examples of every other intent.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import yaml

from bot.config import KNOWLEDGE_DIR
from bot.triage import Triage

EXAMPLES_DIR = KNOWLEDGE_DIR / "crisis_examples"


def load_examples(directory: Path = EXAMPLES_DIR) -> Dict[str, List[str]]:
    """The reviewed examples of every language: {"crisis": [...], "not_crisis": [...]}."""
    examples: Dict[str, List[str]] = {"crisis": [], "not_crisis": []}
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as f:
            content = yaml.safe_load(f) or {}
        for kind, texts in content.items():
            if kind not in examples:
                raise ValueError(f"{path.name}: unknown list {kind!r} (expected crisis or not_crisis)")
            examples[kind] += [str(text) for text in texts or []]
    return examples


def examples_fingerprint(directory: Path = EXAMPLES_DIR) -> str:
    """Changes whenever a reviewed example does (so that `rasa train` retrains)."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


class CrisisExamples:
    """Unit sentence vectors of crisis examples and of everything else, with the crisis texts."""

    def __init__(self, crisis: np.ndarray, others: np.ndarray, crisis_texts: List[str],
                 neighbours: int, margin: float) -> None:
        self.crisis, self.others = _unit(crisis), _unit(others)
        self.crisis_texts = crisis_texts
        self.neighbours, self.margin = neighbours, margin

    def closeness(self, vector: np.ndarray) -> Tuple[float, str]:
        """(How much closer `vector` is to the crisis examples than to the others, the closest crisis example)."""
        vector = _unit(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        crisis, others = self.crisis @ vector, self.others @ vector
        margin = _top_mean(crisis, self.neighbours) - _top_mean(others, self.neighbours)
        return float(margin), self.crisis_texts[int(np.argmax(crisis))]

    def triage(self, vector: Optional[np.ndarray]) -> Optional[Triage]:
        """A crisis when `vector` is at least `margin` closer to the crisis examples, else None."""
        if vector is None:
            return None
        margin, closest = self.closeness(vector)
        if margin < self.margin:
            return None
        return Triage("crisis", f"meaning crisis {margin:+.3f}, like: {closest[:80]}", 1.0)

    def save(self, path: Path) -> None:
        np.savez(path, crisis=self.crisis, others=self.others, crisis_texts=np.array(self.crisis_texts),
                 settings=np.array([self.neighbours, self.margin]))

    @classmethod
    def load(cls, path: Path) -> "CrisisExamples":
        with np.load(path) as stored:
            neighbours, margin = stored["settings"]
            return cls(stored["crisis"], stored["others"], [str(t) for t in stored["crisis_texts"]],
                       int(neighbours), float(margin))


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _top_mean(similarities: np.ndarray, count: int) -> float:
    count = min(count, len(similarities))
    return float(np.partition(similarities, -count)[-count:].mean())
