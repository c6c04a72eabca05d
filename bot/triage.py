"""Triage of every visitor message: emergency, crisis, urgent, clinical, or nothing to escalate.

Three layers; the most serious answer wins, and when unsure we escalate:
- red-flag patterns kept as data per language (`bot/knowledge/red_flags/<language>.yml`, reviewed
  by clinicians), folded like messages (so 嘴唇 or "é" may be written naturally), all languages
  matched on the folded message, whatever language it is in; a sentence that only asks about a
  topic in general ("what are the signs of ...?", "I read that ...") is not searched for the
  symptom-type emergencies (see `GENERAL_QUESTION_CATEGORIES`), nor is a sentence about an event
  that is over or about someone else's child with nothing happening now ("he broke his leg last
  year, all healed now", "I saw a video of a child choking"; see `NOT_PRESENT_CATEGORIES`); the
  words of a crisis phrase are not read again as a physical emergency ("I want to go to sleep and
  not wake up" is a crisis, not an unconscious child);
- warning signs of a crisis recognised by meaning (`bot.crisis_meaning`: the sentence embedding
  closer to reviewed crisis examples than to anything else), for indirect phrasings no pattern has;
- the NLU's safety intents, taken even when they are not the top intent but reach
  `ESCALATE_CONFIDENCE`. An emergency that only the NLU sees (no emergency pattern) in a message
  the guards above would not search for the physical emergencies (every sentence a general
  question or about the past or someone else, no present cue anywhere: "what happens if someone
  has an allergic reaction during the infusion?") is acted on as `urgent` (see a doctor today, call
  the emergency number if it gets worse), not as an emergency. A crisis is never lowered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.config import KNOWLEDGE_DIR
from bot.language import CYRILLIC, HAN, fold, fold_pattern

RED_FLAGS_DIR = KNOWLEDGE_DIR / "red_flags"
# Most serious first.
LEVELS = ("emergency", "crisis", "urgent", "clinical")
# The NLU intent that stands for each level (and answers it).
LEVEL_INTENTS = {
    "emergency": "medical_emergency",
    "crisis": "crisis",
    "urgent": "urgent_symptom",
    "clinical": "clinical_question",
}
INTENT_LEVELS = {intent: level for level, intent in LEVEL_INTENTS.items()}
# A safety intent this likely is escalated even when another intent ranks first.
ESCALATE_CONFIDENCE = 0.25
SCRIPTS = {"han": HAN, "cyrillic": CYRILLIC, "latin": re.compile(r"[a-z]")}
# The `general_question` section of a red-flag file: `markers` of a question asked in general and
# `personal` cues of someone's present situation. A sentence with a marker and no personal cue is
# not searched for these emergency categories, whose words are also topics people read about
# (seizure, meningitis, choking, a shunt ...). Crisis, injury and child_in_danger are always searched,
# and so is every other sentence of the message ("what are the signs? he's fitting 10 min").
GENERAL_QUESTION = "general_question"
GENERAL_QUESTION_CATEGORIES = frozenset(
    {"seizure", "breathing", "unresponsive", "infection", "allergic_reaction", "baclofen_pump", "shunt"})
# The `not_present` section of a red-flag file. A sentence with a `past` marker (an event that is
# over: last year, as a baby, at birth, all healed, no seizure for five years) or an `others` marker
# (someone else's child, a video, someone learning: "my friend's son", "I'm a teacher") and no
# `present` cue (now, still, today, again, since this morning, "is fitting") is not searched for the
# physical emergency categories (`NOT_PRESENT_CATEGORIES`). Cues are looked for outside the markers'
# words and outside `aside` phrases, which only look like cues ("all healed now", "fine now", "still
# scared to this day"); an `others` sentence must also name no one of the visitor's own (the
# `general_question` personal cues: "my son", "he"). Crisis and child_in_danger are always searched,
# and so is every other sentence ("he had one last year. now he's fitting again"). A `present` cue
# anywhere in the message turns off both guards, for every sentence: "what happens if the alarm goes
# off? it's beeping now" names the pump in one sentence and the present in the other.
NOT_PRESENT = "not_present"
NOT_PRESENT_LISTS = ("past", "others", "aside", "present")
NOT_PRESENT_CATEGORIES = GENERAL_QUESTION_CATEGORIES | {"injury"}
# A sentence: up to and including its end mark (Latin or Chinese) or line end; "38.5" is one word.
SENTENCE = re.compile(r"(?:[^.?!;\n。？！；]|\.(?=\w))+[.?!;\n。？！；]*|[.?!;\n。？！；]+")


@dataclass(frozen=True)
class Triage:
    level: str
    reason: str  # "pattern emergency/seizure" or "intent medical_emergency 0.42"
    confidence: float

    @property
    def intent(self) -> str:
        return LEVEL_INTENTS[self.level]

    def as_dict(self) -> Dict[str, object]:
        return {"level": self.level, "reason": self.reason, "confidence": self.confidence}


class RedFlags:
    """Compiled red-flag patterns, grouped by level, category and script.

    A pattern runs only on messages containing its script (Han, Cyrillic or Latin), so the
    Chinese and Russian patterns cost nothing on a Polish message.
    """

    def __init__(self, patterns_by_language: Mapping[str, Mapping[str, Mapping[str, List[str]]]]) -> None:
        grouped: Dict[Tuple[str, str, str], List[str]] = {}
        general: Dict[str, List[str]] = {"markers": [], "personal": []}
        not_present: Dict[str, List[str]] = {kind: [] for kind in NOT_PRESENT_LISTS}
        for language, levels in patterns_by_language.items():
            for level, categories in levels.items():
                if level in (GENERAL_QUESTION, NOT_PRESENT):
                    lists = general if level == GENERAL_QUESTION else not_present
                    for kind, patterns in categories.items():
                        if kind not in lists:
                            raise ValueError(f"{language}: unknown {level} list {kind!r}")
                        lists[kind] += [fold_pattern(p) for p in patterns or []]
                    continue
                if level not in LEVELS:
                    raise ValueError(f"{language}: unknown triage level {level!r}")
                for category, patterns in categories.items():
                    for pattern in patterns or []:
                        folded = fold_pattern(pattern)
                        grouped.setdefault((level, category, _script(folded)), []).append(folded)
        self._compiled: List[Tuple[re.Pattern, str, str, AnyOf]] = sorted(
            (
                (SCRIPTS[script], level, category, AnyOf(patterns))
                for (level, category, script), patterns in grouped.items()
            ),
            key=lambda entry: LEVELS.index(entry[1]),
        )
        self._general, self._personal = (AnyOf(general[kind]) for kind in ("markers", "personal"))
        self._past, self._others, self._aside, self._present = (AnyOf(not_present[kind]) for kind in NOT_PRESENT_LISTS)

    @classmethod
    def load(cls, directory: Path = RED_FLAGS_DIR) -> "RedFlags":
        patterns = {}
        for path in sorted(directory.glob("*.yml")):
            with open(path, encoding="utf-8") as f:
                patterns[path.stem] = yaml.safe_load(f) or {}
        return cls(patterns)

    def match(self, text: str) -> Optional[Tuple[str, str]]:
        """(level, category) of the most serious red flag in `text`, or None.

        Emergency patterns do not see the words of a crisis phrase ("go to sleep and not wake up" is
        a wish, not an unconscious child: the crisis reply), nor, for their categories, the
        general-question and not-present sentences. An emergency told in other words still comes
        first ("I want to die. He is not breathing": the ambulance for the child).
        """
        folded = fold(text)
        guards: Dict[str, List[Tuple[int, int]]] = {}
        targets: Dict[Tuple[bool, bool], str] = {}
        for script, level, category, pattern in self._compiled:
            if not (script.search(folded) and pattern.search(folded)):
                continue  # blanking only takes words away: nothing to check further
            if level != "emergency":
                return level, category
            if not guards:  # worked out once, for the first emergency pattern found
                guards["crisis"] = self._crisis_spans(folded)
                now = self._happening_now(folded)
                guards["general"] = [] if now else self._sentences(folded, self._is_general_question)
                guards["not_present"] = [] if now else self._sentences(folded, self._is_not_present)
            key = (category in GENERAL_QUESTION_CATEGORIES, category in NOT_PRESENT_CATEGORIES)
            if key not in targets:
                targets[key] = _blank(folded, guards["crisis"] + (guards["general"] if key[0] else [])
                                      + (guards["not_present"] if key[1] else []))
            if pattern.search(targets[key]):
                return level, category
        return None

    def not_present_reason(self, text: str) -> Optional[str]:
        """Why the physical emergency patterns would not be searched anywhere in `text`, or None.

        "general question" or "past or someone else" when every sentence is one the guards skip
        (a general question, or an event that is over or someone else's) and no present cue is
        anywhere in the message; None as soon as one sentence could tell of something happening now.
        """
        folded = fold(text)
        if self._happening_now(folded):
            return None
        reasons = set()
        for sentence in SENTENCE.finditer(folded):
            words = sentence.group()
            if not re.search(r"\w", words):
                continue  # punctuation only
            if self._is_general_question(words):
                reasons.add("general question")
            elif self._is_not_present(words):
                reasons.add("past or someone else")
            else:
                return None
        return " and ".join(sorted(reasons)) or None

    def _crisis_spans(self, folded: str) -> List[Tuple[int, int]]:
        return [span for script, level, _, patterns in self._compiled
                if level == "crisis" and script.search(folded) for span in patterns.spans(folded)]

    @staticmethod
    def _sentences(folded: str, test) -> List[Tuple[int, int]]:
        return [s.span() for s in SENTENCE.finditer(folded) if test(s.group())]

    def _is_general_question(self, sentence: str) -> bool:
        """Asks about a topic in general and names no one in a present situation."""
        return self._general.search(sentence) and not self._personal.search(sentence)

    def _happening_now(self, folded: str) -> bool:
        """A present cue anywhere in the message ("what happens if the alarm goes off? it's beeping now")."""
        if not self._present:
            return False
        markers = self._past.spans(folded) + self._others.spans(folded) + self._aside.spans(folded)
        return self._present.search(_blank(folded, markers))

    def _is_not_present(self, sentence: str) -> bool:
        """Tells of an event that is over or of someone else, with no cue of anything going on now."""
        past, others = self._past.spans(sentence), self._others.spans(sentence)
        if not (past or others):
            return False
        rest = _blank(sentence, past + others + self._aside.spans(sentence))
        if self._present.search(rest):
            return False
        return bool(past) or not self._personal.search(rest)


class AnyOf:
    """Regular expressions searched one by one: in Python's `re`, 340 patterns joined into one
    alternation took 12.8 ms a message, one by one 0.6 ms (each keeps its own literal-prefix scan,
    and its own inline flags)."""

    def __init__(self, patterns: List[str]) -> None:
        self._patterns = [re.compile(p) for p in patterns]

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def search(self, text: str) -> bool:
        return any(p.search(text) for p in self._patterns)

    def spans(self, text: str) -> List[Tuple[int, int]]:
        return [m.span() for p in self._patterns for m in p.finditer(text)]


def _blank(text: str, spans: Sequence[Tuple[int, int]]) -> str:
    """`text` with the characters in `spans` replaced by spaces (same length, offsets kept)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _script(pattern: str) -> str:
    """The script a (folded) pattern is written in."""
    if HAN.search(pattern):
        return "han"
    return "cyrillic" if CYRILLIC.search(pattern) else "latin"


@lru_cache(maxsize=1)
def red_flags() -> RedFlags:
    return RedFlags.load()


def triage(
    text: str,
    intent_ranking: Sequence[Mapping[str, object]],
    flags: Optional[RedFlags] = None,
    meaning: Optional[Triage] = None,
) -> Optional[Triage]:
    """The level to act on, or None for a message with no red flag.

    An emergency or crisis found by a pattern (the precise layer) is acted on first, then one that
    is the NLU's top intent; otherwise the most serious of every finding, including a safety intent
    further down the ranking and a crisis recognised by `meaning` (bot.crisis_meaning; when unsure,
    escalate). An emergency only the NLU sees, in a message whose every sentence the guards skip
    (`RedFlags.not_present_reason`), counts as urgent.
    """
    flags = flags or red_flags()
    matched = flags.match(text)
    pattern = Triage(matched[0], f"pattern {matched[0]}/{matched[1]}", 1.0) if matched else None
    intents = [_from_intent(intent) for intent in intent_ranking]
    # (`match` returns the most serious level found: an urgent or clinical one means no emergency
    # pattern matched; a crisis pattern is acted on below whatever the intents say)
    if (not matched or matched[0] != "emergency") and any(t and t.level == "emergency" for t in intents):
        why = flags.not_present_reason(text)
        if why:
            intents = [Triage("urgent", f"{t.reason}, {why}: urgent", t.confidence)
                       if t and t.level == "emergency" else t for t in intents]
    top = intents[0] if intents else None
    doubts = [t for t in intents[1:] if t and t.confidence >= ESCALATE_CONFIDENCE]
    for firm in (pattern, top):
        if firm and firm.level in ("emergency", "crisis"):
            return firm
    return min([t for t in (pattern, top, meaning, *doubts) if t], key=_severity, default=None)


def _from_intent(intent: Mapping[str, object]) -> Optional[Triage]:
    level = INTENT_LEVELS.get(str(intent.get("name")))
    confidence = float(intent.get("confidence") or 0.0)
    return Triage(level, f"intent {intent.get('name')} {confidence:.2f}", confidence) if level else None


def _severity(result: Triage) -> int:
    return LEVELS.index(result.level)
