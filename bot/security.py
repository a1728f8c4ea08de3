"""Comparing secrets (tokens, signatures, CSRF values) in constant time, never failing on odd input."""
from __future__ import annotations

import hmac


def same_secret(given: object, expected: object) -> bool:
    """True when both are the same text. Any other input (non-ASCII, None, a number) is simply unequal:
    `hmac.compare_digest` raises on non-ASCII strings, which made a forged value a server error."""
    if not isinstance(given, str) or not isinstance(expected, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
