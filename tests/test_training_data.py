"""Rasa's own checks of the domain and training data, with every warning treated as an error.

Replaces `rasa data validate --fail-on-warnings`, whose "utterance is not used in any story or
rule" warning cannot know the responses that forms and custom actions send; that check is redone
here, counting them.
"""
import re

import pytest
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.core.events import ActionExecuted
from rasa.validator import Validator

from bot.config import PROJECT_DIR

ACTIONS_DIR = PROJECT_DIR / "actions"


@pytest.fixture(scope="module")
def validator():
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_DIR / "config.yml"), str(PROJECT_DIR / "domain.yml"), [str(PROJECT_DIR / "data")]
    )
    return Validator.from_importer(importer)


def test_domain_and_rules_are_valid(validator):
    assert validator.verify_domain_validity()
    assert validator.verify_actions_in_stories_rules()
    assert validator.verify_forms_in_stories_rules()
    assert validator.verify_form_slots()
    assert validator.verify_slot_mappings()
    assert validator.verify_story_structure(ignore_warnings=False)


def test_every_intent_is_used_and_no_example_is_repeated(validator):
    assert validator.verify_intents_in_stories(ignore_warnings=False)
    assert validator.verify_example_repetition_in_intents(ignore_warnings=False)


def test_every_response_is_sent_by_a_rule_a_form_or_an_action(validator):
    in_rules = {
        event.action_name for story in validator.story_graph.story_steps for event in story.events
        if isinstance(event, ActionExecuted) and event.action_name
    }
    in_actions = set(re.findall(r'"(utter_\w+)"', "".join(
        path.read_text(encoding="utf-8") for path in ACTIONS_DIR.glob("*.py")
    )))
    form_slots = [slot for form in validator.domain.forms.values() for slot in form["required_slots"]]
    in_forms = {f"utter_{kind}_{slot}" for slot in form_slots for kind in ("ask", "invalid")}
    unused = set(validator.domain.responses) - in_rules - in_actions - in_forms
    assert unused == set()
    assert in_actions <= set(validator.domain.responses)
