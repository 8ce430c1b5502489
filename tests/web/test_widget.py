"""End-to-end tests of the website widget against the real trained model (Debian Chromium).

Journeys: ask and get an answer, quick replies, link buttons, keyboard only, small screens and
zoom, axe-core, XSS safety, no third-party requests, microphone, reload, "Verlauf löschen",
error messages, font size, feedback and read-aloud."""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]

REPLY_TIMEOUT = 60_000
QUESTION = "Was brauche ich für einen Personalausweis?"
OFFICE_QUESTION = "Wo ist das Bürgerbüro in Kleinwalde?"


# ---------------------------------------------------------------- helpers

def open_widget(page: Any) -> None:
    page.goto("/")
    page.get_by_role("button", name="Bürgerassistent").click()
    expect(page.get_by_role("dialog", name="Bürgerassistent")).to_be_visible()
    expect(page.get_by_label("Ihre Nachricht")).to_be_focused()


def bot_count(page: Any) -> int:
    return page.locator(".bw-bot").count()


def wait_reply(page: Any, before: int) -> Any:
    """Wait until the widget is idle again and shows more bot messages than ``before``
    (fails with the widget's own message if it showed an error instead)."""
    errors = page.locator(".bw-error").count()
    page.wait_for_function(
        """([n, e]) => document.querySelector('.bw-log').getAttribute('aria-busy') === 'false'
               && (document.querySelectorAll('.bw-bot').length > n
                   || document.querySelectorAll('.bw-error').length > e)""", arg=[before, errors],
        timeout=REPLY_TIMEOUT)
    assert page.locator(".bw-error").count() == errors, page.locator(".bw-error").last.inner_text()
    return page.locator(".bw-bot").last


def ask(page: Any, text: str) -> Any:
    before = bot_count(page)
    box = page.get_by_label("Ihre Nachricht")
    box.fill(text)
    box.press("Enter")
    reply = wait_reply(page, before)
    expect(page.locator(".bw-user").last).to_contain_text(text)
    return reply


def stored(page: Any, key: str) -> Any:
    return page.evaluate("k => JSON.parse(localStorage.getItem('buergerassistent.' + k))", key)


def fake_reply(route: Any, replies: list[dict[str, Any]], status: int = 200) -> None:
    route.fulfill(status=status, content_type="application/json", body=json.dumps(replies))


# ---------------------------------------------------------------- journeys

def test_ask_and_quick_reply(new_page, shot):
    page = new_page()
    open_widget(page)
    expect(page.locator(".bw-bot").first).to_contain_text("Guten Tag")
    shot(page, "1-open")

    reply = ask(page, QUESTION)
    expect(reply).to_contain_text("Personalausweis")
    # the general list comes first, the personal checklist is a quick reply (ADR 0006)
    quick = reply.locator("button.bw-quick", has_text="Meine persönliche Liste")
    expect(quick).to_be_visible()
    # every bot answer has feedback and read-aloud buttons
    expect(reply.get_by_role("button", name="Antwort hilfreich", exact=True)).to_be_visible()
    expect(reply.get_by_role("button", name="Antwort nicht hilfreich")).to_be_visible()
    expect(reply.get_by_role("button", name="Vorlesen")).to_be_visible()
    shot(page, "2-answer")

    before = bot_count(page)
    with page.expect_request(lambda r: r.url.endswith("/api/chat") and r.method == "POST") as req:
        quick.click()
    assert json.loads(req.value.post_data)["message"].startswith("/ask_documents")
    expect(page.locator(".bw-user").last).to_have_text("Sie: Meine persönliche Liste")
    reply2 = wait_reply(page, before)
    expect(reply2).not_to_be_empty()
    assert reply2.inner_text().strip()
    shot(page, "3-quick-reply")

    # the municipality from data-municipality was sent silently, once, as JSON payload
    chats = [json.loads(r.post_data)["message"] for r in page.requests if r.url.endswith("/api/chat")]
    assert chats[:2] == ['/inform{"place":"Kleinwalde"}', QUESTION] and len(chats) == 3
    assert chats[2].startswith("/ask_documents")
    expect(page.get_by_text("ich merke mir")).to_have_count(0)


def test_link_buttons_and_contact_links(new_page, shot):
    page = new_page()
    open_widget(page)
    reply = ask(page, OFFICE_QUESTION)
    link = reply.get_by_role("link", name=re.compile("Karte öffnen"))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href and href.startswith("https://www.openstreetmap.org/")
    assert link.get_attribute("target") == "_blank"
    assert set(link.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    # phone number and e-mail in the text become links (built as DOM nodes)
    tel = reply.locator("a[href^='tel:']")
    expect(tel).to_have_count(1)
    assert re.fullmatch(r"tel:\+?\d{7,}", tel.get_attribute("href"))
    mail = reply.locator("a[href^='mailto:']")
    expect(mail).to_have_count(1)
    assert "@" in mail.inner_text()
    # the postcode is not mistaken for a phone number
    assert not reply.locator("a", has_text=re.compile(r"^\d{5}$")).count()
    shot(page, "office")


def test_keyboard_only(new_page, shot):
    page = new_page()
    page.goto("/")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('bw-launcher')"):
            break
    launcher = page.locator(".bw-launcher")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert launcher.get_attribute("aria-controls") == "bw-panel"
    page.keyboard.press("Enter")
    expect(page.locator("#bw-panel")).to_be_visible()
    expect(page.get_by_label("Ihre Nachricht")).to_be_focused()

    before = bot_count(page)
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    wait_reply(page, before)
    # the quick replies are reachable with Tab
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('bw-quick')"):
            break
    expect(page.locator(".bw-quick:focus")).to_have_count(1)
    shot(page, "focus")

    page.keyboard.press("Escape")
    expect(page.locator("#bw-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    # focus is clearly visible (outline at least 2 px)
    width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert width >= 2
    shot(page, "closed")


NO_HSCROLL = """() => {
  const d = document.documentElement, log = document.querySelector('.bw-log');
  return {page: d.scrollWidth - d.clientWidth, log: log.scrollWidth - log.clientWidth,
          panel: document.querySelector('#bw-panel').getBoundingClientRect().right - window.innerWidth};
}"""

SMALL_TARGETS = """() => [...document.querySelectorAll('.bw-root button, .bw-root .bw-linkbtn, .bw-root input')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.getAttribute('aria-label') || e.textContent.trim(), e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44)
  .map(([n, r]) => `${n}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 640, "height": 360}],
                         ids=["mobile-360", "zoom-200"])
def test_small_screen_no_horizontal_scroll(new_page, shot, viewport):
    """360 px phone, and 1280x720 at 200 % zoom (= 640x360 CSS pixels)."""
    page = new_page(viewport=viewport)
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.get_by_role("button", name="Bürgerassistent").click()
    reply = ask(page, OFFICE_QUESTION)
    expect(reply.get_by_role("link", name=re.compile("Karte öffnen"))).to_be_visible()
    page.get_by_role("button", name="Größere Schrift").click()
    dims = page.evaluate(NO_HSCROLL)
    assert dims["page"] <= 0 and dims["log"] <= 0 and dims["panel"] <= 0.5, dims
    assert page.evaluate(SMALL_TARGETS) == []
    shot(page, "widget")


def test_axe_no_violations(new_page, shot):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page()
    page.goto("/")
    axe = Axe()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    open_widget(page)
    reply = ask(page, OFFICE_QUESTION)
    expect(reply.locator(".bw-linkbtn")).to_be_visible()
    ask(page, QUESTION)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="Größere Schrift").click()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    shot(page, "with-messages")


def test_bot_text_is_never_html(new_page, shot):
    page = new_page()
    evil = "<img src=x onerror=alert(1)>"
    page.route("**/api/chat", lambda route: fake_reply(route, [{
        "recipient_id": "x",
        "text": f"Vorsicht: {evil}\nMehr unter https://example.org/info. Oder <script>alert(2)</script>",
        "buttons": [{"title": "<b>fett</b>", "payload": "/affirm"},
                    {"title": "Böser Link", "type": "web_url", "url": "javascript:alert(3)", "payload": "x"}],
        "image": "javascript:alert(4)",
    }]))
    open_widget(page)
    reply = ask(page, "Hallo <img src=y onerror=alert(5)>")
    expect(reply).to_contain_text(evil)
    expect(reply).to_contain_text("<script>alert(2)</script>")
    expect(page.locator(".bw-user").last).to_contain_text("<img src=y onerror=alert(5)>")
    assert page.locator("img[src='x'], img[src='y'], .bw-log script, .bw-log b").count() == 0
    assert page.locator(".bw-log img").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    expect(reply.get_by_role("button", name="<b>fett</b>")).to_be_visible()
    link = reply.get_by_role("link", name="https://example.org/info")
    assert link.get_attribute("href") == "https://example.org/info"  # trailing full stop stays text
    shot(page, "xss")


def test_only_local_requests(new_page, web_url):
    page = new_page()
    open_widget(page)
    reply = ask(page, QUESTION)
    before = bot_count(page)
    reply.locator("button.bw-quick").first.click()
    wait_reply(page, before)
    reply = ask(page, OFFICE_QUESTION)
    expect(page.locator(".bw-log").get_by_role("link", name=re.compile("Karte öffnen")).last).to_be_visible()
    with page.expect_response("**/api/feedback") as resp:
        reply.get_by_role("button", name="Antwort hilfreich", exact=True).click()
    assert resp.value.ok
    expect(page.get_by_role("status")).to_have_text("Danke für Ihre Rückmeldung.")
    page.reload()
    open_widget(page)
    own = urlparse(web_url).netloc
    foreign = [r.url for r in page.requests
               if urlparse(r.url).scheme not in ("data", "blob") and urlparse(r.url).netloc != own]
    assert foreign == []
    assert any(r.url.endswith("/static/widget.css") for r in page.requests)


def record_once(page: Any) -> None:
    mic = page.get_by_role("button", name="Spracheingabe starten")
    expect(mic).to_be_visible()
    expect(mic).to_have_attribute("aria-pressed", "false")
    mic.click()
    stop = page.get_by_role("button", name="Aufnahme beenden")
    expect(stop).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1200)  # record about a second of the fake microphone's beep
    stop.click()


def test_microphone_flow(new_page, shot):
    page = new_page(permissions=["microphone"])
    uploads: list[dict[str, Any]] = []

    def stt(route: Any) -> None:
        req = route.request
        uploads.append({"type": req.headers.get("content-type", ""), "size": len(req.post_data_buffer or b"")})
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"text": "Was kostet ein Reisepass"}))

    page.route("**/api/stt", stt)
    open_widget(page)
    before = bot_count(page)
    with page.expect_request("**/api/stt"):
        record_once(page)
    expect(page.get_by_role("button", name="Spracheingabe starten")).to_have_attribute("aria-pressed", "false")
    assert uploads and uploads[0]["size"] > 0 and uploads[0]["type"].startswith("audio/"), uploads
    expect(page.locator(".bw-user").last).to_have_text("Sie (gesprochen): Was kostet ein Reisepass")
    reply = wait_reply(page, before)
    assert reply.inner_text().strip()
    chats = [json.loads(r.post_data)["message"] for r in page.requests if r.url.endswith("/api/chat")]
    assert chats[-1] == "Was kostet ein Reisepass"
    shot(page, "spoken")


def test_microphone_real_stt(new_page, shot):
    """The real speech recogniser hears only the fake device's beep: no text, or an error in German."""
    page = new_page(permissions=["microphone"])
    open_widget(page)
    with page.expect_response("**/api/stt", timeout=120_000):
        record_once(page)
    outcome = page.locator(".bw-error, .bw-user")
    expect(outcome.first).to_be_visible(timeout=REPLY_TIMEOUT)
    if page.locator(".bw-error").count():
        text = page.locator(".bw-error").last.inner_text()
        assert re.search(r"nicht verstanden|hat nicht geklappt|Bitte", text), text
    shot(page, "real-stt")


def test_microphone_permission_denied(new_page):
    page = new_page()
    page.add_init_script("""navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('denied', 'NotAllowedError'));""")
    open_widget(page)
    page.get_by_role("button", name="Spracheingabe starten").click()
    expect(page.locator(".bw-error").last).to_contain_text("Zugriff auf das Mikrofon ist nicht erlaubt")
    expect(page.get_by_role("button", name="Spracheingabe starten")).to_have_attribute("aria-pressed", "false")


def test_microphone_hidden_without_mediarecorder(new_page):
    page = new_page()
    page.add_init_script("delete window.MediaRecorder;")
    open_widget(page)
    expect(page.locator(".bw-mic")).to_be_hidden()


def conversation_cookie(page) -> dict | None:
    """The server-issued conversation credential (HttpOnly: invisible to the page's script)."""
    return next((c for c in page.context.cookies() if c["name"] == "ba_conversation"), None)


def test_reload_keeps_history(new_page, shot):
    page = new_page()
    open_widget(page)
    ask(page, QUESTION)
    texts = page.locator(".bw-msg").all_inner_texts()
    cookie = conversation_cookie(page)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("ba_conversation") == -1
    chats_before = sum(r.url.endswith("/api/chat") for r in page.requests)
    page.reload()
    page.get_by_role("button", name="Bürgerassistent").click()
    expect(page.locator(".bw-msg")).to_have_count(len(texts))
    assert page.locator(".bw-msg").all_inner_texts() == texts
    expect(page.locator(".bw-bot").last.locator("button.bw-quick", has_text="Meine persönliche Liste")).to_be_visible()
    assert conversation_cookie(page)["value"] == cookie["value"]
    assert sum(r.url.endswith("/api/chat") for r in page.requests) == chats_before  # nothing re-sent
    shot(page, "restored")


def test_clear_history(new_page, shot):
    page = new_page()
    open_widget(page)
    ask(page, QUESTION)
    old = conversation_cookie(page)["value"]
    with page.expect_response(lambda r: r.request.method == "DELETE" and r.url.endswith("/api/conversation")) as resp:
        page.get_by_role("button", name="Verlauf löschen").click()
    assert resp.value.ok
    assert resp.value.json()["deleted"]["events"] > 0
    expect(page.locator(".bw-msg")).to_have_count(1)  # only the greeting
    expect(page.get_by_role("status")).to_have_text("Der Verlauf wurde gelöscht.")
    assert conversation_cookie(page) is None and stored(page, "history") == []
    page.reload()
    page.get_by_role("button", name="Bürgerassistent").click()
    expect(page.locator(".bw-msg")).to_have_count(1)
    # the next message starts a new server-issued conversation
    ask(page, OFFICE_QUESTION)
    new = conversation_cookie(page)["value"]
    assert new and new != old
    assert all("sender" not in json.loads(r.post_data) for r in page.requests if r.url.endswith("/api/chat"))
    shot(page, "cleared")


@pytest.mark.parametrize("status, expected", [
    (429, "warten Sie einen Moment"),
    (502, "gerade nicht erreichbar"),
    (0, "Keine Verbindung zum Server"),
])
def test_errors_keep_the_text(new_page, shot, status, expected):
    page = new_page()
    if status:
        page.route("**/api/chat", lambda route: fake_reply(route, {"error": "x"}, status))  # type: ignore[arg-type]
    else:
        page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    open_widget(page)
    box = page.get_by_label("Ihre Nachricht")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.locator(".bw-error")).to_contain_text(expected)
    expect(page.locator(".bw-error")).to_contain_text("Ihr Text steht noch im Eingabefeld")
    expect(box).to_have_value(QUESTION)
    expect(page.locator(".bw-user")).to_have_count(0)
    assert stored(page, "history") in (None, [])
    expect(page.get_by_role("button", name="Senden")).to_be_enabled()
    shot(page, f"error-{status}")


def test_outage_notice_from_the_server_is_shown(new_page):
    """The proxy's 503 with "outage" carries the German notice (disturbance, retry, phone)."""
    page = new_page()
    notice = "Gerade gibt es eine Störung, deshalb konnte ich Ihre Nachricht nicht bearbeiten. Rufen Sie 030 23125 100 an."
    page.route("**/api/chat", lambda route: fake_reply(route, {"error": notice, "outage": True}, 503))  # type: ignore[arg-type]
    open_widget(page)
    box = page.get_by_label("Ihre Nachricht")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.locator(".bw-error")).to_contain_text("Gerade gibt es eine Störung")
    expect(page.locator(".bw-error")).to_contain_text("030 23125 100")
    expect(box).to_have_value(QUESTION)


HOLD_CHAT = """(() => {
  const realFetch = window.fetch;
  window.fetch = (url, init) => {
    if (!String(url).endsWith('/api/chat')) return realFetch(url, init);
    const json = body => new Response(JSON.stringify(body), {status: 200, headers: {'Content-Type': 'application/json'}});
    if (init.body.includes('/inform')) return Promise.resolve(json([]));
    return new Promise(resolve => { window.releaseReply = () => resolve(json([{recipient_id: 'x', text: 'Antwort'}])); });
  };
})();"""


def test_typing_indicator(new_page):
    page = new_page()
    page.add_init_script(HOLD_CHAT)
    open_widget(page)
    box = page.get_by_label("Ihre Nachricht")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Assistent schreibt …")
    expect(page.locator(".bw-typing")).to_be_visible()
    expect(page.locator(".bw-log")).to_have_attribute("aria-busy", "true")
    page.wait_for_function("() => typeof window.releaseReply === 'function'")
    page.evaluate("window.releaseReply()")
    expect(page.locator(".bw-bot").last).to_contain_text("Antwort")
    expect(page.locator(".bw-typing")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("")


def test_larger_font_persists(new_page):
    page = new_page()
    open_widget(page)
    toggle = page.get_by_role("button", name="Größere Schrift")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    small = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.bw-input')).fontSize)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    large = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.bw-input')).fontSize)")
    assert large > small
    page.reload()
    page.get_by_role("button", name="Bürgerassistent").click()
    expect(page.get_by_role("button", name="Größere Schrift")).to_have_attribute("aria-pressed", "true")


def test_read_aloud(new_page):
    page = new_page()
    page.route("**/api/chat", lambda route: fake_reply(route, [{"recipient_id": "x", "text": "Das Bürgerbüro hat heute offen."}]))
    open_widget(page)
    reply = ask(page, "Hat das Bürgerbüro offen?")
    with page.expect_response("**/api/tts", timeout=120_000) as resp:
        reply.get_by_role("button", name="Vorlesen").click()
    assert resp.value.request.post_data_json == {"text": "Das Bürgerbüro hat heute offen."}
    if resp.value.ok:
        assert resp.value.headers["content-type"].startswith("audio/")
        expect(reply.get_by_role("button", name="Vorlesen")).to_have_attribute("aria-pressed", "true")
    else:  # no voice model installed: a German message instead of silence
        expect(page.locator(".bw-error").last).to_contain_text("Vorlesen ist gerade nicht möglich")


def test_demo_page_csp_and_marking(new_page):
    page = new_page()
    resp = page.goto("/")
    csp = resp.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    expect(page).to_have_title("Landkreis Musterland – Demo")
    expect(page.get_by_text("erfunden").first).to_be_visible()
    html = page.request.get("/").text()
    assert "style=" not in html and "<style" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 1 and 'src="/static/widget.js"' in scripts[0] and "data-municipality=" in scripts[0]
    assert re.search(r"<script[^>]*>\s*</script>", html)  # no inline code


def test_linkify_rules(new_page):
    text = ("Telefon: 030 23125 400, Fax +49 30 23125-401.\nAdresse: Dorfstraße 7, 06998 Kleinwalde\n"
            "Termin am 01.12.2026 um 9:00 Uhr, Gebühr 37,00 €, IBAN DE89 3704 0044 0532 0130 00\n"
            "Mail: info@kleinwalde.example oder mailto:rathaus@kleinwalde.example, Web (https://kleinwalde.example/a?b=1).")
    page = new_page()
    page.route("**/api/chat", lambda route: fake_reply(route, [{"recipient_id": "x", "text": text}]))
    open_widget(page)
    reply = ask(page, "Kontakt?")
    links = reply.locator(".bw-bubble a").evaluate_all("els => els.map(a => [a.textContent, a.getAttribute('href')])")
    assert links == [
        ["030 23125 400", "tel:03023125400"],
        ["+49 30 23125-401", "tel:+493023125401"],
        ["info@kleinwalde.example", "mailto:info@kleinwalde.example"],
        ["rathaus@kleinwalde.example", "mailto:rathaus@kleinwalde.example"],
        ["https://kleinwalde.example/a?b=1", "https://kleinwalde.example/a?b=1"],
    ]
    assert reply.locator(".bw-bubble br").count() == 3
    expect(reply).to_contain_text("Web (https://kleinwalde.example/a?b=1).")


def test_reduced_motion(new_page):
    page = new_page(reduced_motion="reduce")
    open_widget(page)
    assert page.evaluate("getComputedStyle(document.querySelector('#bw-panel')).animationName") == "none"


def test_escape_cancels_recording(new_page):
    page = new_page(permissions=["microphone"])
    open_widget(page)
    page.get_by_role("button", name="Spracheingabe starten").click()
    expect(page.locator(".bw-mic")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")
    expect(page.locator(".bw-launcher")).to_be_focused()
    expect(page.locator(".bw-mic")).to_have_attribute("aria-pressed", "false")
    page.locator(".bw-launcher").click()
    expect(page.locator(".bw-mic")).to_have_accessible_name("Spracheingabe starten")
    assert not [r for r in page.requests if r.url.endswith("/api/stt")]
    expect(page.locator(".bw-error")).to_have_count(0)
