"""The console's HTTP helpers, one of each: security headers, cookies, the CSRF check, redirects with a
notice, and CSV downloads. No database here."""
from __future__ import annotations

import csv
import io
import re
import string
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence
from urllib.parse import quote, urlencode

from sanic import response
from sanic.request import Request

from bot.security import keyed_hash, same_secret

COOKIE = "wegwijs_console"  # the staff session's token
LOGIN_COOKIE = "wegwijs_login"  # the login form's CSRF token, before there is a session
COOKIE_PATH = "/console"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
STALE_FORM = "The form was out of date: go back, reload and try again."


# --- cookies and the CSRF check ---------------------------------------------------------------------------


def set_cookie(answer: response.HTTPResponse, name: str, value: str, max_age: int, secure: bool) -> None:
    """An HttpOnly, SameSite=Strict cookie for the console's pages only (Secure in production)."""
    answer.cookies[name] = value
    cookie = answer.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


def delete_cookie(answer: response.HTTPResponse, name: str) -> None:
    """Ends a console cookie in the browser: the same name and path it was set with, expired now."""
    answer.cookies[name] = ""
    cookie = answer.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = 0


def form_token_matches(request: Request, expected: Optional[str]) -> bool:
    """True when the posted form carries the expected CSRF token (compared in constant time)."""
    return bool(expected) and same_secret(request.form.get("csrf"), expected)


def csrf_refusal(request: Request, expected: str) -> Optional[response.HTTPResponse]:
    """A 403 for a POST without the session's CSRF token; None when the request may go on."""
    if request.method == "POST" and not form_token_matches(request, expected):
        return response.text(STALE_FORM, status=403, headers=SECURITY_HEADERS)
    return None


# --- redirects with a notice ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One of the console's fixed notices (its key in the area's NOTICES), with the details filled in."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


def notice(key: str, **values: object) -> Notice:
    return Notice(key, {name: str(value) for name, value in values.items()})


class Notices:
    """What a page says after a redirect ("Not taken: taken by Ahmed Bakker."): only the fixed notices
    (`texts`), filled in by the console itself. The redirect carries the text with a seal, a keyed hash bound
    to the staff session, so a crafted link cannot make the console show words of its own."""

    def __init__(self, secret: str, texts: Mapping[str, str]) -> None:
        self.secret = secret
        self.texts = dict(texts)
        self.shapes = [_shape(text) for text in self.texts.values()]

    def text(self, chosen: Notice) -> str:
        """The notice's text; an unknown key or a missing detail is a mistake in the console (KeyError)."""
        if not isinstance(chosen, Notice):
            raise TypeError(f"a notice must be one of the fixed ones, not {chosen!r}")
        return self.texts[chosen.key].format(**chosen.values)

    def seal(self, session_key: str, text: str) -> str:
        return keyed_hash(self.secret, f"console-notice:{session_key}:{text}")[:32]

    def query(self, session_key: str, chosen: Optional[Notice]) -> dict:
        """The query parameters that carry the notice to the next page (none without a notice)."""
        if chosen is None:
            return {}
        text = self.text(chosen)
        return {"notice": text, "seal": self.seal(session_key, text)}

    def shown(self, session_key: str, args: Mapping[str, Any]) -> Optional[str]:
        """The notice a page shows: the one the console sealed for this session, or none."""
        text, seal = args.get("notice"), args.get("seal")
        if not text or not same_secret(seal, self.seal(session_key, text)):
            return None
        # Even a sealed text shows only when it is one of the fixed notices (details filled in).
        return text if any(shape.fullmatch(text) for shape in self.shapes) else None


def _shape(text: str) -> "re.Pattern[str]":
    """A fixed notice as a pattern: its own words, with anything (on one line) where a detail goes."""
    parts = [re.escape(literal) + ("" if name is None else "[^\n]*")
             for literal, name, _, _ in string.Formatter().parse(text)]
    return re.compile("".join(parts))


def redirect(path: str, **query: Optional[str]) -> response.HTTPResponse:
    """A redirect to a console page; every query value is quoted (empty ones are left out)."""
    suffix = urlencode({name: value for name, value in query.items() if value}, quote_via=quote)
    return response.redirect(f"{path}?{suffix}" if suffix else path)


# --- CSV --------------------------------------------------------------------------------------------------


def csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote stops that."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> response.HTTPResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return response.text(out.getvalue(), content_type="text/csv; charset=utf-8",
                         headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})
