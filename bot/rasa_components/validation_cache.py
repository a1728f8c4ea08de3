"""Validate JSON against a schema without re-checking the schema every time.

Rasa 3.6 calls `jsonschema.validate(result, schema)` for every action-server response and every NLG
response. That function first checks the schema itself against the meta-schema and builds a new validator:
profiling the Rasa server under load (docs/measurements.md) showed this taking about a third of its CPU.
`install()` replaces `jsonschema.validate` with a version that keeps one checked validator per distinct
schema. Validation itself and the error raised (jsonschema's best match) are unchanged.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Dict

import jsonschema
from jsonschema.exceptions import best_match

_original_validate = jsonschema.validate
_validators: Dict[str, Any] = {}
_lock = threading.Lock()


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate`, with the schema checked and the validator built once per schema."""
    if cls is not None or args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _validators.get(key)
    if validator is None:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        with _lock:
            _validators[key] = validator
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    jsonschema.validate = cached_validate
