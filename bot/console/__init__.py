"""The staff console (a Sanic blueprint served by the web app, bot/web.py): log in, the handoff queue, a
handoff page to take, reply, hand back and close, complaints (status, public answer, themes report),
conversation review with "this answer was wrong" notes, and numbers per day.

- `routes`: every route in one table, and `create_console(settings)`, the blueprint;
- one module per area: `auth` (log in and out, who may see a page), `handoffs`, `complaints`, `review`
  (conversations, notes on answers, erasure) and `numbers`; their handlers call the domain modules
  (bot/handoff/workflow.py, bot/complaints/register.py, bot/transcripts.py, bot/answer_feedback.py,
  bot/privacy/erasure.py), which hold every query and write;
- `http`: security headers, cookies, the CSRF check, redirects with a notice, CSV downloads;
- `context`: what the handlers share (databases, Rasa's API, templates in bot/templates/console);
- `accounts`: Argon2 passwords, the growing wait after failed logins, sessions, disabling an account.

Need-to-know: every route names a permission and every item is checked by one policy (bot/authorization.py); a
refusal answers 403 and is audited. Security: Argon2 passwords (off the event loop) and a growing wait per
(username, address) after failed logins, with one answer for every failure; a server-side session in an
HttpOnly, SameSite=Strict cookie (Secure in production); a CSRF token on every form; a strict
Content-Security-Policy (no inline script); pages escape everything (Jinja2 autoescape); notices after a
redirect are the console's own, sealed to the session. Every staff action goes to the audit log. Writes to
conversations go through Rasa's HTTP API (bot/rasa_api.py); reads come from the tracker store.
"""
from bot.console.routes import ROUTES, Route, create_console

__all__ = ["ROUTES", "Route", "create_console"]
