"""Secrets: comparing them in constant time, never failing on odd input; keyed hashes of identifiers."""
from __future__ import annotations

import hashlib
import hmac


def same_secret(given: object, expected: object) -> bool:
    """True when both are the same text. Any other input (non-ASCII, None, a number) is simply unequal:
    `hmac.compare_digest` raises on non-ASCII strings, which made a forged value a server error."""
    if not isinstance(given, str) or not isinstance(expected, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def keyed_hash(secret: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256) of an identifier, for logs and the attempts table."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
