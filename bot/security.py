"""Secrets: comparing them in constant time, never failing on odd input; keyed hashes of identifiers; what a
usable key looks like."""
from __future__ import annotations

import hashlib
import hmac
from typing import Iterable, Optional

# Keys and tokens shorter than this are refused in every environment (a random 32-character key has about
# 190 bits; `secrets.token_urlsafe(32)` gives 43 characters).
MIN_SECRET_LENGTH = 32
# Keys that were ever published (in this repository's history, docs or examples): refused everywhere.
PUBLIC_KEYS = frozenset({"wegwijs-development-only-not-secret"})


def same_secret(given: object, expected: object) -> bool:
    """True when both are the same text. Any other input (non-ASCII, None, a number) is simply unequal:
    `hmac.compare_digest` raises on non-ASCII strings, which made a forged value a server error."""
    if not isinstance(given, str) or not isinstance(expected, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def keyed_hash(secret: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) of an identifier, for logs and the attempts table."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def unusable_secret(value: str, name: str) -> Optional[str]:
    """Why `value` cannot be used as the secret `name` (too short, or publicly known), else None."""
    if value.strip() in PUBLIC_KEYS:
        return f"{name} is a publicly known value: set a random one (python -c 'import secrets; " \
               "print(secrets.token_urlsafe(32))')"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{name} must be at least {MIN_SECRET_LENGTH} characters long"
    return None


def matching_name(given: object, secrets_by_name: Iterable[tuple]) -> Optional[str]:
    """The name whose secret `given` is (each compared in constant time), else None."""
    found = None
    for name, secret in secrets_by_name:
        if same_secret(given, secret):
            found = name
    return found
