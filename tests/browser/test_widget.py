"""The website widget in a real browser, embedded with one script tag in a page of another origin (as a
municipality's site would be): chat in English and Arabic, press a button, reload and keep the history,
receive a staff reply without a reload, keyboard and screen-reader basics, a small phone screen; the
conversation lives in the tab only and "End conversation" forgets it (a shared computer)."""
import functools
import http.server
import re
import threading

import pytest

from bot.devservers import Servers, free_port
from tests.support.people import ConsoleClient, add_staff, newest_handoff, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site_port():
    return free_port()


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path, site_port):
    """The real servers (as in conftest.py), allowing browser calls from the municipality's site and the web
    app's demo page only: Rasa's HTTP API is on, so CORS is never `*`."""
    web_port = free_port()
    running = Servers(tmp_path_factory.mktemp("browser"), web_port=web_port, extra_env={
        "WEGWIJS_OFFICE_HOURS": "mon-sun 00:00-23:59",
        "WEGWIJS_WIDGET_ORIGINS": f"http://127.0.0.1:{site_port} http://127.0.0.1:{web_port}"})
    running.start()
    add_staff(running)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, servers, site_port):
    """A municipality's page on its own origin, embedding the widget with one tag."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "index.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gemeente Voorbeeldstad</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Gemeente Voorbeeldstad</h1><p>Inburgering</p>
<script src="{servers.web_url}/widget/wegwijs-widget.js" data-server="{servers.rasa_url}" defer></script>
</body></html>""", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def widget(page):
    return page.locator("#wegwijs-widget")


def open_chat(page):
    launcher = widget(page).get_by_role("button", name=re.compile("Wegwijs"))
    launcher.click()
    return launcher


def bot_messages(page):
    return widget(page).locator("li.msg.bot")


def say(page, text):
    count = widget(page).locator("li.msg").count()
    box = widget(page).get_by_role("textbox")
    box.fill(text)
    box.press("Enter")
    wait_until(lambda: widget(page).locator("li.msg").count() >= count + 2, timeout=30)


def test_chat_buttons_arabic_reload_and_a_staff_reply(browser, servers, site, screenshot, catalogue):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site)
    launcher = open_chat(page)
    assert launcher.get_attribute("aria-expanded") == "true"
    # A new conversation starts with the greeting, in the browser's language.
    bot_messages(page).first.wait_for(timeout=30000)
    assert catalogue.render("utter_greet", "en").text.split("\n")[0] in bot_messages(page).first.inner_text()
    assert widget(page).get_by_role("log").get_attribute("aria-live") == "polite"
    assert widget(page).get_by_label("Your message").is_visible()

    say(page, "How long do I have to finish my integration?")  # which law? (buttons)
    count = bot_messages(page).count()
    button = widget(page).get_by_role("button", name=re.compile("new law")).last
    title = button.inner_text()
    button.click()
    wait_until(lambda: bot_messages(page).count() > count, timeout=30)
    assert widget(page).locator("li.msg.user").last.inner_text().endswith(title)  # the pressed button's title
    screenshot(page, "english")

    # Arabic, chosen in the menu: the panel and the answers turn right-to-left.
    widget(page).get_by_label("Language").select_option("ar")
    wait_until(lambda: widget(page).locator(".ww").get_attribute("dir") == "rtl")
    say(page, "كم من الوقت لدي لإنهاء الاندماج؟")
    last = bot_messages(page).last
    assert last.get_attribute("dir") == "rtl" and last.get_attribute("lang") == "ar"
    screenshot(page, "arabic")
    before = widget(page).locator("li.msg").count()

    # A reload keeps the conversation.
    page.reload()
    open_chat(page)
    wait_until(lambda: widget(page).locator("li.msg").count() == before, timeout=30)
    assert widget(page).locator(".ww").get_attribute("dir") == "rtl"  # the chosen language stays

    # A person takes over; their reply appears in the open widget without a reload.
    say(page, "أريد التحدث مع موظف")
    coco = ConsoleClient(servers, "coco")
    handoff_id = newest_handoff(coco.get("/queue", view="waiting"))
    coco.post(f"/handoffs/{handoff_id}/take")
    coco.post(f"/handoffs/{handoff_id}/reply", text="مرحبا، أنا كوكو من البلدية.")
    staff = widget(page).locator("li.msg.staff")
    staff.first.wait_for(timeout=30000)
    assert "مرحبا، أنا كوكو من البلدية." in staff.first.inner_text()
    assert "Coco Coordinator" in staff.first.inner_text()
    assert widget(page).locator(".person").is_visible()
    screenshot(page, "staff-reply")

    # Keyboard: Escape closes the panel and gives focus back to the launcher.
    page.keyboard.press("Escape")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.getElementById('wegwijs-widget').shadowRoot.activeElement.className") == "launcher"
    context.close()


def test_a_small_phone_screen_gets_the_whole_screen(browser, site, screenshot):
    context = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    page.goto(site)
    open_chat(page)
    panel = widget(page).get_by_role("dialog")
    panel.wait_for()
    box = panel.bounding_box()
    assert box["width"] >= 359 and box["height"] >= 639
    bot_messages(page).first.wait_for(timeout=30000)
    assert "Hallo" in bot_messages(page).first.inner_text()  # the page's visitor reads Dutch
    screenshot(page, "phone")
    context.close()


def test_a_failed_send_keeps_the_text_and_says_so(browser, site, catalogue):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(site)
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    context.set_offline(True)
    box = widget(page).get_by_role("textbox")
    box.fill("Is my message lost?")
    box.press("Enter")
    status = widget(page).get_by_role("status")
    wait_until(lambda: status.inner_text() == catalogue.label("label_widget_not_sent", "en"))
    assert box.input_value() == "Is my message lost?"
    context.close()


def test_the_demo_page_embeds_the_widget(browser, servers):
    context = browser.new_context(locale="tr-TR")
    page = context.new_page()
    page.goto(f"{servers.web_url}/widget/demo")
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    assert widget(page).locator(".ww").get_attribute("lang") == "tr"  # the visitor's browser language
    context.close()


def stored(page, storage):
    return page.evaluate(f"window.{storage}.getItem('wegwijs.session')")


def test_the_conversation_lives_in_the_tab_and_end_conversation_forgets_it(browser, site, catalogue):
    """A library or reception-centre computer: the next visitor must not get the previous conversation."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(site)
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    say(page, "How much does the exam cost?")
    token = stored(page, "sessionStorage")
    assert token and token.count(".") == 2  # signed, with its expiry
    assert stored(page, "localStorage") is None  # never in the browser's long-lived storage
    # A new tab (or the browser closed and opened again) starts afresh.
    other = context.new_page()
    other.goto(site)
    open_chat(other)
    bot_messages(other).first.wait_for(timeout=30000)
    assert widget(other).locator("li.msg.user").count() == 0
    other.close()

    end = widget(page).get_by_role("button", name=catalogue.label("label_widget_end", "en"))
    end.click()
    assert stored(page, "sessionStorage") is None
    assert widget(page).get_by_role("dialog").is_hidden()
    assert widget(page).locator("li.msg").count() == 0
    open_chat(page)  # a new conversation, with a new greeting and a new token
    bot_messages(page).first.wait_for(timeout=30000)
    assert widget(page).locator("li.msg.user").count() == 0
    wait_until(lambda: stored(page, "sessionStorage"))
    assert stored(page, "sessionStorage") != token
    page.reload()  # an expired token (here: one from an older version, without expiry) is dropped, not used
    page.evaluate("window.sessionStorage.setItem('wegwijs.session', 'old.token')")
    page.reload()
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    assert widget(page).locator("li.msg.user").count() == 0
    assert stored(page, "sessionStorage") != "old.token"
    context.close()


@pytest.mark.parametrize("locale, language, question, direction", [
    ("en-GB", "en", "How long do I have to finish my integration?", "ltr"),
    ("ar", "ar", "كم سنة عندي حتى خلص الاندماج؟", "rtl"),
    ("ti-ER", "ti", "ኢንቡርገሪንግ ንምውዳእ ክንደይ ዓመት ኣሎኒ", "ltr")], ids=["en", "ar", "ti"])
def test_the_widget_has_no_wcag_violations(browser, site, accessible, locale, language, question, direction):
    """axe-core's WCAG 2.1 A and AA rules (tests/support/accessibility.py) on the embedding page with the
    widget closed, open with the greeting, and after an answer with buttons; in English, in Arabic
    (right-to-left) and in Tigrinya (Ge'ez script); and on a phone screen."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site)
    widget(page).locator(".launcher").wait_for()
    accessible(page, "closed")
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    assert widget(page).locator(".ww").get_attribute("lang") == language
    assert widget(page).locator(".ww").get_attribute("dir") == direction
    accessible(page, "greeting")
    say(page, question)
    accessible(page, "answered")
    page.set_viewport_size({"width": 360, "height": 640})
    accessible(page, "phone")
    context.close()
    accessible.assert_none()


def test_the_widget_with_a_colleague_has_no_wcag_violations(browser, servers, site, accessible):
    """The states a newcomer meets when a person takes over, in Arabic (right-to-left): the unread badge on
    the closed launcher, the colleague's reply with the "with a person" line, and a message that was not
    sent."""
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site)
    open_chat(page)
    bot_messages(page).first.wait_for(timeout=30000)
    say(page, "أريد التحدث مع موظف")
    page.keyboard.press("Escape")
    coco = ConsoleClient(servers, "coco")
    handoff_id = newest_handoff(coco.get("/queue", view="waiting"))
    coco.post(f"/handoffs/{handoff_id}/take")
    coco.post(f"/handoffs/{handoff_id}/reply", text="مرحبا، أنا كوكو من البلدية.")
    widget(page).locator(".badge:not([hidden])").wait_for(timeout=30000)
    accessible(page, "unread")
    open_chat(page)
    widget(page).locator("li.msg.staff").first.wait_for(timeout=30000)
    assert widget(page).locator(".person").is_visible()
    accessible(page, "colleague")
    context.set_offline(True)
    box = widget(page).get_by_role("textbox")
    box.fill("هل ضاعت رسالتي؟")
    box.press("Enter")
    wait_until(lambda: widget(page).get_by_role("status").inner_text() != "")
    accessible(page, "not-sent")
    context.close()
    accessible.assert_none()
