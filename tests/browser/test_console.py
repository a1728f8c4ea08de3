"""The staff console in a real browser: log in, open the queue, take a handoff, see the newcomer's new
message appear without a reload, reply, and hand back; each role's own menu and the 403 page; erasing a
conversation with a reason."""
import re

import pytest

from tests.support.people import PASSWORD, WebUser, add_staff, wait_until

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


def log_in(page, servers, username):
    page.goto(f"{servers.web_url}/console/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_each_role_sees_its_own_console(browser, servers, screenshot):
    """A complaints officer lands on the complaints, has no queue in the menu, and a queue link answers with
    the console's own 403 page."""
    add_staff(servers, [("klaas", "Klaas Klacht", "complaints")])
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(page, servers, "klaas")
    page.wait_for_url(re.compile(r".*/console/complaints$"))
    menu = page.get_by_role("navigation", name="Console")
    assert menu.get_by_role("link", name="Complaints").is_visible()
    assert menu.get_by_role("link", name="Waiting").count() == 0
    assert menu.get_by_role("link", name="Conversations").count() == 0
    refused = page.goto(f"{servers.web_url}/console/queue?view=all")
    assert refused.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "not for your role" in page.content()
    screenshot(page, "refused")
    page.close()


def test_a_coordinator_erases_a_conversation_with_a_reason(browser, servers, screenshot):
    newcomer = WebUser(servers)
    newcomer.say("Hoeveel kost het examen?")
    sender = "web-" + newcomer.session.split(".")[0]
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(page, servers, "coco")
    page.goto(f"{servers.web_url}/console/conversation?sender={sender}")
    reason = page.get_by_label(re.compile("^Reason"))
    assert reason.get_attribute("required") is not None
    reason.fill("The newcomer asked by phone")
    page.get_by_label(re.compile("Erase this conversation")).check()
    screenshot(page, "erase")
    page.get_by_role("button", name="Erase").click()
    page.wait_for_url(re.compile(r".*/console/conversations\?"))
    assert page.get_by_role("status").inner_text().startswith("Erased: ")
    page.close()


def file_a_complaint(servers):
    """A complaint filed in the web chat, as a newcomer would (tests/integration/test_complaints.py)."""
    user = WebUser(servers)
    for text in ["I want to file a complaint about the municipality", '/choose{"complaint_kind":"treatment"}',
                 '/choose{"complaint_body":"municipality"}', "Wrong information",
                 "They sent me the wrong letter about my PIP, twice.", "October 2026",
                 "A correct letter and an apology", '/choose{"complaint_contact":"chat"}',
                 '/choose{"complaint_review":"send"}']:
        user.say(text)


def test_every_console_page_has_no_wcag_violations(browser, servers, accessible):
    """axe-core's WCAG 2.1 A and AA rules on every page the console renders (tests/support/accessibility.py),
    in each state a member of staff sees: the login (and its error), the queue's views, a handoff before and
    after taking it, the complaints with one complaint and the themes, the conversations with one transcript,
    the numbers, and the 403 page."""
    newcomer = WebUser(servers)
    newcomer.say("I want to talk to a person")
    file_a_complaint(servers)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{servers.web_url}/console/login")
    accessible(page, "login")
    page.get_by_label("Username").fill("coco")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    accessible(page, "login-refused")
    log_in(page, servers, "coco")
    page.wait_for_url(re.compile(r".*/console/queue\?view=waiting"))
    for view in ["waiting", "mine", "all"]:
        page.goto(f"{servers.web_url}/console/queue?view={view}")
        accessible(page, f"queue-{view}")
    page.goto(f"{servers.web_url}/console/queue?view=waiting")
    page.get_by_role("row").filter(has_text="webchat").first.get_by_role("link").click()
    accessible(page, "handoff")
    page.get_by_role("button", name="Take this conversation").click()
    page.wait_for_selector("text=taken by Coco Coordinator")
    accessible(page, "handoff-taken")
    page.goto(f"{servers.web_url}/console/complaints")
    accessible(page, "complaints")
    page.get_by_role("link", name=re.compile(r"^KL-")).first.click()
    accessible(page, "complaint")
    page.goto(f"{servers.web_url}/console/complaints/themes")
    accessible(page, "themes")
    page.goto(f"{servers.web_url}/console/conversations")
    accessible(page, "conversations")
    page.goto(f"{servers.web_url}/console/conversation?sender=web-{newcomer.session.split('.')[0]}")
    accessible(page, "transcript")
    page.goto(f"{servers.web_url}/console/stats")
    accessible(page, "numbers")
    page.goto(f"{servers.web_url}/console/handoffs/999999")
    accessible(page, "not-found")
    page.close()
    add_staff(servers, [("karin", "Karin Klacht", "complaints")])
    refused = browser.new_page(viewport={"width": 1200, "height": 900})
    log_in(refused, servers, "karin")
    refused.wait_for_url(re.compile(r".*/console/complaints$"))
    refused.goto(f"{servers.web_url}/console/queue?view=all")
    accessible(refused, "refused")
    refused.close()
    accessible.assert_none()
