"""The staff page in a real browser: headless Chromium (Debian's package) driven by Playwright.

Sign-in, the queue, a ticket (visitor text shown escaped), claim, note, reply, resolve. Saves
screenshots to docs/ for the README.
"""
import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from bot import staff_accounts
from bot.config import PROJECT_DIR

PASSWORD = "a long browser passphrase"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script> my son is not breathing, his lips are blue"


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()


@pytest.fixture(scope="module")
def staff_user(queue):
    name = f"nurse-{uuid.uuid4().hex[:6]}"
    staff_accounts.create_user(queue, name, PASSWORD)
    return name


def sign_in(page, server, name, password):
    page.goto(f"{server.url}/webhooks/staff/")
    expect(page).to_have_url(re.compile(r"/webhooks/staff/login$"))
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_wrong_password_is_refused(page, server, staff_user):
    sign_in(page, server, staff_user, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_claim_note_reply_and_resolve_a_ticket(page, server, staff_user):
    sender = f"browser-{uuid.uuid4()}"
    replies = " ".join(r.get("text", "") for r in server.say(sender, HOSTILE, language="en", country="IE"))
    reference = re.search(r"CP-[A-Z2-9]{6}", replies).group()
    sign_in(page, server, staff_user, PASSWORD)
    expect(page.get_by_role("heading", name="Handoff queue")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "cp_staff_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["secure"]

    expect(page.locator("#queue tbody tr").first).to_contain_text("emergency")  # most serious first
    page.screenshot(path=str(PROJECT_DIR / "docs" / "staff-queue.png"), full_page=True)

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator("#transcript")).to_contain_text("<img src=x onerror=alert(1)>")  # shown, not run
    assert page.dialogs == []

    page.locator("#claim").click()
    expect(page.locator("#status")).to_have_text("claimed")
    expect(page.locator("#assignee")).to_have_text(staff_user)
    page.get_by_label("Internal note (staff only)").fill("Called 112 with the mother.")
    page.locator("#add-note").click()
    expect(page.locator("#audit")).to_contain_text("Called 112 with the mother.")
    page.get_by_label(re.compile("Reply to the visitor")).fill("We are calling you now.")
    page.locator("#send-reply").click()
    expect(page.locator("#audit")).to_contain_text("reply: We are calling you now.")
    expect(page.locator("#transcript .from-staff")).to_contain_text("We are calling you now.")
    expect(page.locator("#transcript")).to_contain_text("This sounds like an emergency. Call 112 now.")
    page.screenshot(path=str(PROJECT_DIR / "docs" / "staff-ticket.png"), full_page=True)

    updates = json.loads(urllib.request.urlopen(
        f"{server.url}/webhooks/widget/history?session={sender}", timeout=10).read())
    assert [m["text"] for m in updates["messages"] if m["from"] == "staff"] == ["We are calling you now."]

    page.locator("#resolve").click()
    expect(page.locator("#status")).to_have_text("resolved")
    page.locator("#reopen").click()
    expect(page.locator("#status")).to_have_text("claimed")


def test_forms_without_the_csrf_token_are_refused(page, server, staff_user):
    sign_in(page, server, staff_user, PASSWORD)
    expect(page.get_by_role("heading", name="Handoff queue")).to_be_visible()
    answer = page.request.post(f"{server.url}/webhooks/staff/tickets/CP-ABCDEF/claim",
                               form={"csrf_token": "forged"}, max_redirects=0)
    assert answer.status == 403


def test_signing_out_ends_the_session(page, server, staff_user):
    sign_in(page, server, staff_user, PASSWORD)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{server.url}/webhooks/staff/")
    expect(page).to_have_url(re.compile(r"/login$"))
