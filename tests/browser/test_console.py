"""The staff console in a real browser: log in, open the queue, take a handoff, see the newcomer's new
message appear without a reload, reply, and hand back."""
import re

import pytest

from tests.support.people import PASSWORD, WebUser, wait_until

pytestmark = pytest.mark.slow


def test_log_in_take_reply_and_hand_back(browser, servers, screenshot, catalogue):
    newcomer = WebUser(servers)
    newcomer.say("ሰላም, ምስ ሰብ ክዛረብ እደሊ")  # Tigrinya: hello, I want to talk to a person
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{servers.web_url}/console/login")
    page.get_by_label("Username").fill("ahmed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/console/queue\?view=waiting"))
    row = page.get_by_role("row").filter(has_text="webchat")
    assert "TI" in row.inner_text() and "asked for a person" in row.inner_text()
    screenshot(page, "queue")

    row.get_by_role("link").click()
    page.get_by_role("button", name="Take this conversation").click()
    page.wait_for_selector("text=taken by Ahmed Bakker")

    # The newcomer writes while the page is open: it appears without a reload, with what the bot understood.
    newcomer.say("How many years do I get for inburgering?")
    page.get_by_text("How many years do I get for inburgering?").wait_for(timeout=15000)
    assert page.get_by_text("asked about the deadline").count() >= 1
    screenshot(page, "handoff-taken")

    page.get_by_label(re.compile("^Reply")).fill("Hello, this is Ahmed from the municipality.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    wait_until(lambda: any(m["from"] == "staff" and m["text"] == "Hello, this is Ahmed from the municipality."
                           for m in newcomer.history()["messages"]))
    page.get_by_text("Hello, this is Ahmed from the municipality.").wait_for(timeout=15000)
    screenshot(page, "replied")

    page.get_by_role("button", name="Hand back to the bot").click()
    page.wait_for_url(re.compile(r".*/console/queue\?view=mine"))
    history = newcomer.history()
    assert history["with_person"] is False
    assert history["messages"][-1]["text"] == catalogue.render("utter_handoff_returned", "ti").text
    screenshot(page, "handed-back")
    page.close()


def test_the_numbers_page_draws_a_chart(browser, servers, screenshot):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{servers.web_url}/console/login")
    page.get_by_label("Username").fill("coco")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Numbers").click()
    chart = page.locator("svg.chart")
    assert chart.is_visible() and page.locator("svg.chart rect").count() > 0
    assert "Median time to the first reply" in page.content()
    screenshot(page, "numbers")
    page.close()
