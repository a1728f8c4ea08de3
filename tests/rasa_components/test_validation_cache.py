"""The cached jsonschema validation rejects exactly what jsonschema rejects."""
import jsonschema
import pytest

import bot.rasa_components  # noqa: F401  (installs the cache, as in the Rasa server)
from bot.rasa_components.validation_cache import _original_validate, cached_validate

SCHEMA = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "buttons": {"type": "array"}},
    "required": ["text"],
}


def test_installed_in_rasas_processes():
    assert jsonschema.validate is cached_validate


@pytest.mark.parametrize("instance", [{"text": "hi"}, {"text": "hi", "buttons": []}])
def test_accepts_valid_instances(instance):
    cached_validate(instance, SCHEMA)


@pytest.mark.parametrize("instance", [{}, {"text": 3}, {"text": "x", "buttons": "no"}])
def test_rejects_like_jsonschema(instance):
    with pytest.raises(jsonschema.ValidationError) as ours:
        cached_validate(instance, SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as theirs:
        _original_validate(instance, SCHEMA)
    assert ours.value.message == theirs.value.message


def test_rejects_invalid_schemas():
    with pytest.raises(jsonschema.SchemaError):
        cached_validate({}, {"type": "no-such-type"})


def test_rasas_action_response_check_still_rejects_bad_responses():
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result({"events": "not a list"})
