"""The workarounds for Rasa 3.6 defects (bot/rasa_fixes.py): same behaviour as Rasa's code, and a
pin that fails once Rasa fixes the defect (then the workaround can be removed)."""
import inspect

import jsonschema
import pytest
import rasa.core.actions.action as rasa_action
from rasa.core.actions.action import RemoteAction

import bot.nlu  # noqa: F401 - applies the workarounds, as `rasa run` does when it loads the model
from bot.rasa_fixes import validate_action_result

ANSWERS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "contact", "value": "a@b.org"}], "responses": [{"text": "Thanks"}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"response": "utter_ok", "buttons": []}]},
]
BAD_ANSWERS = [
    {"events": [{"name": "contact"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": "not a list"},
    {"events": [{"event": 3}]},
]


def test_rasa_still_checks_its_schema_on_every_answer():
    """Rasa's code still calls `jsonschema.validate` (which re-checks the schema) per answer."""
    source = inspect.getsource(rasa_action)
    assert "validate(result, self.action_response_format_spec())" in source


def test_the_workaround_is_what_rasa_runs():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("answer", ANSWERS)
def test_valid_answers_are_accepted_as_by_rasa(answer):
    jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert RemoteAction("action_escalate", None)._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD_ANSWERS)
def test_invalid_answers_raise_rasas_error(answer):
    with pytest.raises(jsonschema.ValidationError) as rasas:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_escalate", None)._validate_action_result(answer)
    assert ours.value.message.startswith(rasas.value.message)
    assert "Failed to validate Action server response" in ours.value.message
