"""The visitor's chat widget in headless Chromium: every language, switching language, the
emergency path, a staff reply arriving live, reloads, a dropped connection, keyboard-only use,
deleting the conversation, small screens and zoom, and axe-core with zero violations."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from bot import tickets
from bot.config import PROJECT_DIR
from bot.i18n import catalogs
from bot.responses import placeholders
from bot.processes import free_port
from tests.test_server import QUESTIONS

AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"


def text(language, key, country=None, **extra):
    return catalogs().text(language, key, {**placeholders(language, country), **extra})


def site_page(server, lang="", country=""):
    """The clinic's page with the one-line embed."""
    attributes = (f' data-lang="{lang}"' if lang else "") + (f' data-country="{country}"' if country else "")
    return (f'<!doctype html><html lang="en"><head><title>Clinic</title></head><body><main><h1>Clinic</h1>'
            f'<p>Our programme.</p></main><script src="{server.url}/webhooks/widget/widget.js"{attributes}>'
            f'</script></body></html>')


@pytest.fixture(scope="module")
def site(server):
    """The clinic's website on its own origin (http://localhost:PORT, the assistant is on 127.0.0.1)."""
    class ClinicSite(BaseHTTPRequestHandler):
        def do_GET(self):
            query = parse_qs(urlparse(self.path).query)
            body = site_page(server, query.get("lang", [""])[0], query.get("country", [""])[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), ClinicSite)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://localhost:{httpd.server_port}/"
    httpd.shutdown()


@pytest.fixture()
def context(browser):
    made = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield made
    made.close()


def open_site(context, site, lang="", country=""):
    page = context.new_page()
    page.goto(f"{site}?lang={lang}&country={country}")
    return page


def chat_page(context, server, lang):
    page = context.new_page()
    page.goto(f"{server.url}/webhooks/chat/?lang={lang}")
    expect(page.locator(".cpw-send")).to_have_text(text(lang, "page_send"))
    return page


def say(page, message):
    before = page.locator(".cpw-assistant, .cpw-staff").count()
    page.locator("#cpw-input").fill(message)
    page.locator("#cpw-input").press("Enter")
    expect(page.locator(".cpw-assistant, .cpw-staff")).not_to_have_count(before, timeout=30000)
    page.wait_for_timeout(300)  # the rest of the reply's paragraphs


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})).violations""")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result]


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_a_short_conversation_in_each_language(context, server, language):
    page = chat_page(context, server, language)
    expect(page.locator(".cpw-emergency")).to_have_text(text(language, "widget_emergency_line"))
    say(page, QUESTIONS[language])
    expect(page.locator(".cpw-log")).to_contain_text(text(language, "utter_program_duration").split("\n")[0])
    assert page.locator("html").get_attribute("lang") == language.replace("_", "-")


def test_the_browser_language_is_the_default_and_switching_keeps_the_conversation(browser, server, site):
    context = browser.new_context(locale="ro-RO")
    page = open_site(context, site)
    page.get_by_role("button", name=text("ro", "widget_open")).click()
    say(page, "cât costă tratamentul")
    page.get_by_label(text("ro", "widget_language")).select_option("pl")
    expect(page.locator(".cpw-send")).to_have_text(text("pl", "page_send"))
    expect(page.locator(".cpw-visitor")).to_have_text([re.compile("cât costă tratamentul")])
    say(page, "a jak długo trwa pobyt")
    expect(page.locator(".cpw-log")).to_contain_text(text("pl", "utter_program_duration").split("\n")[0])
    assert page.url.startswith(site)  # never reloaded
    context.close()


def test_emergency_shows_the_country_number_first(context, server, site):
    page = open_site(context, site, lang="pt", country="BR")
    expect(page.locator(".cpw-emergency")).to_have_text(text("pt", "widget_emergency_line", "BR"))
    assert "192" in page.locator(".cpw-emergency").inner_text()
    page.locator(".cpw-launcher").click()
    say(page, "meu filho está convulsionando há dez minutos e não para")
    first_reply = text("pt", "utter_medical_emergency", "BR").split("\n\n")[0]
    expect(page.locator(".cpw-log")).to_contain_text(first_reply)
    expect(page.locator(".cpw-log")).to_contain_text(re.compile(r"CP-[A-Z2-9]{6}"))


def test_a_staff_reply_and_the_handoff_status_arrive_without_a_reload(context, server, queue, api_token):
    page = chat_page(context, server, "es")
    say(page, "mi hija no respira bien y tiene los labios morados")
    session = page.evaluate("JSON.parse(localStorage.getItem('cp-clinic-widget')).session")
    ticket = next(t for t in tickets.queue(queue) if t.conversation_id == session)
    assert server.staff_api(f"/tickets/{ticket.reference}/claim", api_token, {})[0] == 200
    expect(page.locator(".cpw-status")).to_have_text(text("es", "widget_status_claimed"))
    assert server.staff_api(f"/tickets/{ticket.reference}/reply", api_token, {"text": "Le llamamos ya."})[0] == 200
    expect(page.locator(".cpw-staff")).to_contain_text("Le llamamos ya.")
    expect(page.locator(".cpw-staff .cpw-who")).to_contain_text(text("es", "label_staff_reply"))


def test_history_survives_a_reload_and_a_dropped_connection(context, server):
    page = chat_page(context, server, "fr")
    say(page, "combien coûte le programme")
    page.get_by_role("button", name=text("fr", "widget_talk_to_person")).click()
    expect(page.locator(".cpw-log")).to_contain_text(text("fr", "utter_ask_handoff_consent").split("\n")[0])
    page.reload()
    expect(page.locator(".cpw-visitor")).to_have_text(
        [re.compile("combien coûte le programme"), re.compile(text("fr", "widget_talk_to_person"))])
    expect(page.locator(".cpw-choice").first).to_have_text(text("fr", "button_consent_yes"))  # still answerable
    server.stop_rasa()  # the connection drops
    expect(page.locator(".cpw-status")).to_contain_text(text("fr", "widget_offline").split("…")[0])
    server.start_rasa()
    expect(page.locator(".cpw-status")).to_be_hidden(timeout=30000)  # reconnected by itself
    say(page, "annuler")
    expect(page.locator(".cpw-visitor")).to_have_count(3)


def test_keyboard_only(context, server, site):
    page = open_site(context, site, lang="en")
    launcher = page.locator(".cpw-launcher")
    expect(launcher).to_have_text(text("en", "widget_open"))
    for _ in range(5):  # from the top of the page to the launcher
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "cpw-launcher":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#cpw-input")).to_be_focused()
    page.keyboard.type("I want to talk to someone from the clinic")
    page.keyboard.press("Enter")
    expect(page.locator(".cpw-choice").first).to_have_text(text("en", "button_consent_yes"))
    while page.evaluate("document.activeElement.textContent") != text("en", "button_consent_yes"):
        page.keyboard.press("Shift+Tab")  # back from the message box to the answer buttons
    page.keyboard.press("Enter")
    expect(page.locator(".cpw-log")).to_contain_text(text("en", "utter_ask_contact_name"))
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    expect(page.locator("#cpw-panel")).to_be_hidden()


def test_delete_my_conversation_erases_it_and_the_ticket_details(context, server, queue):
    page = chat_page(context, server, "ru")
    say(page, "у сына судороги уже десять минут не прекращаются")
    session = page.evaluate("JSON.parse(localStorage.getItem('cp-clinic-widget')).session")
    page.get_by_role("button", name=text("ru", "widget_delete")).click()
    page.get_by_role("alertdialog").get_by_role("button", name=text("ru", "widget_delete_yes")).click()
    expect(page.locator(".cpw-status")).to_have_text(text("ru", "widget_deleted"))
    expect(page.locator(".cpw-message")).to_have_count(0)
    history = json.loads(page.request.get(f"{server.url}/webhooks/widget/history?session={session}").text())
    assert history == {"messages": []}
    erased = [t for t in tickets.queue(queue, statuses=tickets.STATUSES) if t.conversation_id == session]
    assert erased and all(t.erased_at and t.transcript == [] for t in erased)


@pytest.mark.parametrize("viewport, name", [({"width": 1280, "height": 900}, "desktop"),
                                            ({"width": 360, "height": 740}, "phone"),
                                            ({"width": 640, "height": 450}, "zoom-200")])
def test_accessible_at_every_size(browser, server, site, viewport, name):
    context = browser.new_context(viewport=viewport, reduced_motion="reduce", locale="pl-PL")
    page = open_site(context, site, country="PL")
    page.locator(".cpw-launcher").click()
    say(page, "chciałabym porozmawiać z kimś z kliniki")
    assert axe_violations(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    for target in page.locator(".cpw button:visible, .cpw select:visible").all():
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, target.inner_text()
    dots = page.evaluate("getComputedStyle(document.querySelector('.cpw-dots'), '::before').animationName")
    assert dots == "none"  # prefers-reduced-motion
    if name != "zoom-200":
        page.screenshot(path=str(PROJECT_DIR / "docs" / f"widget-{name}.png"))
    context.close()


def test_links_are_clickable_and_html_is_never_run(context, server):
    page = chat_page(context, server, "en")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    say(page, "<img src=x onerror=alert(1)> is stem cell treatment approved by the FDA?")
    expect(page.locator(".cpw-visitor")).to_have_text([re.compile("<img src=x onerror=alert\\(1\\)>")])
    expect(page.locator(".cpw-text a").first).to_have_attribute("href", re.compile("^https://"))
    assert dialogs == [] and page.locator(".cpw img").count() == 0
