"""Workarounds for defects of Rasa 3.6 in the Rasa server, applied when `bot.nlu` is imported
(every `rasa run` of this assistant loads it with the model). Each is pinned by a test in
tests/test_rasa_fixes.py that fails once Rasa fixes the defect, so the workaround can go.

- Rasa checks each answer of the action server with `jsonschema.validate`, which first re-checks
  Rasa's own schema against the JSON-Schema meta-schema: 30 ms of CPU on every form turn and every
  custom action, a fifth of the server's time under load. The schema never changes, so it is
  checked once, and each answer is validated by one validator built from it (0.8 ms). Same answers
  accepted, same `ValidationError` (with Rasa's hint appended) for the others.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """One validator for the action server's answers, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result`, with the validator built once."""
    error = exceptions.best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


RemoteAction._validate_action_result = validate_action_result
