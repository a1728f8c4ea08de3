"""The console package without servers: the route table and the blueprint made from it, the fixed notices and
their seal, the HTTP helpers and the charts' geometry. Over HTTP against the real web app: test_console.py."""
import datetime as dt
import string
from collections import Counter

import pytest

import bot.console
from bot.authorization import PERMISSIONS
from bot.config import Settings
from bot.console import ROUTES, create_console
from bot.console.http import (
    COOKIE,
    COOKIE_PATH,
    SECURITY_HEADERS,
    Notice,
    Notices,
    csv_download,
    csv_safe,
    delete_cookie,
    notice,
    redirect,
    set_cookie,
)
from bot.console.numbers import daily_chart, themes_chart
from bot.console.routes import AREAS, all_notices
from bot.transcripts import DailyNumbers

# The console's whole surface: a route added or dropped must show up here.
EXPECTED_ROUTES = {
    ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/"), ("GET", "/queue"),
    ("GET", "/handoffs/<handoff_id:int>"), ("POST", "/handoffs/<handoff_id:int>/take"),
    ("POST", "/handoffs/<handoff_id:int>/reply"), ("POST", "/handoffs/<handoff_id:int>/send-again"),
    ("POST", "/handoffs/<handoff_id:int>/hand-back"), ("POST", "/handoffs/<handoff_id:int>/close"),
    ("POST", "/handoffs/<handoff_id:int>/reassign"), ("GET", "/conversations"), ("GET", "/conversation"),
    ("POST", "/feedback"), ("GET", "/feedback.csv"), ("POST", "/conversation/erase"), ("GET", "/complaints"),
    ("GET", "/complaints/<complaint_id:int>"), ("POST", "/complaints/<complaint_id:int>/status"),
    ("POST", "/complaints/<complaint_id:int>/tell-again"), ("POST", "/complaints/<complaint_id:int>/theme"),
    ("GET", "/complaints/themes"), ("GET", "/complaints/themes.csv"), ("GET", "/stats"),
}
SECRET = "a-secret-for-tests"


def test_the_table_holds_every_route_once():
    assert len(ROUTES) == len(EXPECTED_ROUTES) == 25
    assert {(route.method, route.path) for route in ROUTES} == EXPECTED_ROUTES
    assert len({route.name for route in ROUTES}) == len(ROUTES)


# Who may use each staff route (bot/authorization.py); the items behind a route are checked one by one.
EXPECTED_PERMISSIONS = {
    "logout": "any_staff", "home": "any_staff", "stats": "numbers",
    "queue_page": "handoffs", "handoff_page": "handoffs", "take": "handoffs", "reply": "handoffs",
    "send_again": "handoffs", "hand_back": "handoffs", "close": "handoffs", "reassign": "reassign",
    "conversations": "conversations", "conversation": "conversations", "feedback": "conversations",
    "feedback_csv": "notes_export", "erase_conversation": "erase",
    "complaints_page": "complaints", "complaint_page": "complaints", "complaint_status": "complaints",
    "complaint_tell_again": "complaints", "complaint_theme": "complaints", "themes": "complaints",
    "themes_csv": "complaints",
}


def test_every_staff_route_names_its_permission():
    assert {route.name: route.permission for route in ROUTES if route.staff} == EXPECTED_PERMISSIONS
    # Every permission guards a route, except acting on a colleague's handoff (checked inside the handoff routes).
    assert set(EXPECTED_PERMISSIONS.values()) == set(PERMISSIONS) - {"act_for_colleagues"}


def test_a_staff_route_without_a_known_permission_is_refused_at_start(tmp_path, monkeypatch):
    from bot.console import routes

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'app.db'}",
                        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setattr(routes, "ROUTES", routes.ROUTES + (routes.Route("GET", "/x", routes.numbers.stats),))
    with pytest.raises(ValueError, match="stats"):
        routes.create_console(settings)


def test_only_the_login_is_open_to_anyone():
    assert {(route.method, route.path) for route in ROUTES if not route.staff} == {("GET", "/login"),
                                                                                   ("POST", "/login")}


def test_the_blueprint_registers_every_route_of_the_table(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'app.db'}",
                        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    blueprint = create_console(settings)
    assert blueprint.name == "console" and blueprint.url_prefix == "/console"
    registered = {(method, route.uri) for route in blueprint._future_routes for method in route.methods
                  if not route.uri.startswith("/static")}
    assert registered == EXPECTED_ROUTES
    assert {route.name for route in blueprint._future_routes} >= {f"console.{r.name}" for r in ROUTES}
    assert bot.console.create_console is create_console


def test_the_web_app_mounts_this_console():
    import bot.web

    assert bot.web.create_console is bot.console.create_console


def test_a_notice_is_one_of_the_fixed_ones():
    notices = Notices(SECRET, all_notices())
    assert notices.text(notice("not_taken", reason="taken by Ahmed Bakker")) == "Not taken: taken by Ahmed Bakker."
    assert notices.text(notice("reassigned")) == "Reassigned."
    with pytest.raises(KeyError):
        notices.text(notice("Call 0900-1234 now"))
    with pytest.raises(KeyError):  # a detail left out
        notices.text(notice("not_taken"))
    with pytest.raises(TypeError):  # free text is refused
        notices.text("Not taken: whatever you like.")
    assert notices.query("session-csrf", None) == {}


def test_every_areas_notices_are_fixed_texts_with_named_details():
    notices = all_notices()
    assert notices == {key: text for area in AREAS for key, text in area.NOTICES.items()}
    for key, text in notices.items():
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        assert all(name.isidentifier() for name in fields), key
        assert Notices(SECRET, notices).text(notice(key, **{name: "x" for name in fields}))


def test_a_notice_key_used_twice_is_refused():
    class One:
        NOTICES = {"done": "Done."}

    class Other:
        NOTICES = {"done": "Finished."}

    with pytest.raises(ValueError, match="done"):
        all_notices([One, Other])


def test_a_notice_shows_only_with_its_seal_in_its_own_session():
    notices = Notices(SECRET, all_notices())
    query = notices.query("csrf-of-ahmed", notice("not_taken", reason="taken by Sanne de Vries"))
    assert query["notice"] == "Not taken: taken by Sanne de Vries."
    assert notices.shown("csrf-of-ahmed", query) == "Not taken: taken by Sanne de Vries."
    assert notices.shown("csrf-of-sanne", query) is None  # a link passed on to a colleague
    assert notices.shown("csrf-of-ahmed", {**query, "notice": "Call 0900-1234 now."}) is None
    assert notices.shown("csrf-of-ahmed", {"notice": query["notice"]}) is None
    assert notices.shown("csrf-of-ahmed", {}) is None
    assert Notices("another-secret", all_notices()).shown("csrf-of-ahmed", query) is None


def test_a_sealed_text_shows_only_when_it_is_one_of_the_fixed_notices():
    """Defence in depth: were a seal ever made for other words, the page would still not show them."""
    notices = Notices(SECRET, all_notices())
    own = "Not taken: taken by Sanne de Vries."
    assert notices.shown("csrf", {"notice": own, "seal": notices.seal("csrf", own)}) == own
    for text in ("Call 0900-1234 to keep your account.", "Not taken: x.\nCall 0900-1234.", "Reassigned. Call us"):
        assert notices.shown("csrf", {"notice": text, "seal": notices.seal("csrf", text)}) is None
    assert "{reason}" != all_notices()["theme_not_changed"]  # no notice is a bare detail


def test_a_console_cookie_ends_on_the_path_it_was_set_with():
    """The bug: logout deleted the session cookie without its path, so the browser could keep it."""
    from sanic import response

    answer = response.text("")
    set_cookie(answer, COOKIE, "token", max_age=60, secure=False)
    set_on = answer.cookies[COOKIE]["path"]
    ended = response.text("")
    delete_cookie(ended, COOKIE)
    cookie = ended.cookies[COOKIE]
    assert (set_on, cookie["path"], cookie["max-age"], cookie.value) == (COOKIE_PATH, COOKIE_PATH, 0, "")
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


def test_a_redirect_quotes_its_query_and_leaves_out_empty_values():
    answer = redirect("/console/conversation", sender="web a/b&c=d", notice="")
    assert answer.status == 302 and answer.headers["Location"] == "/console/conversation?sender=web%20a%2Fb%26c%3Dd"
    assert redirect("/console/queue").headers["Location"] == "/console/queue"


def test_a_csv_download_is_a_safe_attachment():
    answer = csv_download("notes.csv", ("a", "b"), [("=1+1", csv_safe("=1+1")), (csv_safe("@x"), csv_safe("fine"))])
    assert answer.content_type == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="notes.csv"'
    assert all(answer.headers[name] == value for name, value in SECURITY_HEADERS.items())
    assert answer.body.decode().splitlines() == ["a,b", "=1+1,'=1+1", "'@x,fine"]
    assert [csv_safe(text) for text in ("-2", "+31", "ok", "")] == ["'-2", "'+31", "ok", ""]


def test_the_security_headers_keep_the_strict_policy():
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY" and SECURITY_HEADERS["Cache-Control"] == "no-store"


def test_the_daily_chart_scales_to_the_busiest_day():
    numbers = DailyNumbers()
    days = [dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
    numbers.add("conversations", days[0], "nl", 4)
    numbers.add("fallbacks", days[1], "ar", 2)
    chart = daily_chart(numbers, days)
    assert chart["peak"] == 4 and len(chart["bars"]) == 6
    heights = {(bar["measure"], bar["day"]): bar["height"] for bar in chart["bars"]}
    assert heights[("conversations", days[0])] == 200 and heights[("fallbacks", days[1])] == 100
    assert [label["text"] for label in chart["labels"]] == ["01-11", "02-11"]


def test_the_themes_chart_stacks_bodies_per_month():
    counts = Counter({("2026-10", "municipality", "waiting"): 2, ("2026-10", "coa", "referral"): 1,
                      ("2026-11", "municipality", "money"): 3})
    chart, months = themes_chart(counts)
    assert months == ["2026-10", "2026-11"] and chart["peak"] == 3 and chart["bodies"] == ["coa", "municipality"]
    october = [bar for bar in chart["bars"] if bar["month"] == "2026-10"]
    assert [(bar["body"], bar["value"]) for bar in october] == [("coa", 1), ("municipality", 2)]
    assert sum(bar["height"] for bar in october) == 200


def test_a_notice_is_a_value():
    assert notice("erased", report=3) == Notice("erased", {"report": "3"})
