"""The staff area in a real browser (Playwright + Debian Chromium) against a web server started
here: temporary database, copy of kb/, tracker store with synthetic conversations, fake training
commands and a fake Rasa API. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import asyncio
import os
import shutil
import threading
from typing import Any, Iterator

import pytest
import yaml
from aiohttp import web

from .conftest import ARTIFACTS, BOT_DOCS, PASSWORD, StaffEnv, add_feedback, build_env
from .fake_rasa import LOADED, fake_rasa_app

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if os.path.exists(candidate):
            return candidate
    found = shutil.which("chromium")
    if not found:
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    return found


class ServerThread:
    """An asyncio loop in a thread running the fake Rasa and the real web app."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []

    def call(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def serve(self, app: web.Application) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.runners.append(runner)
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _cleanup(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()

    def stop(self) -> None:
        self.call(self._cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Server:
    def __init__(self, url: str, env: StaffEnv, rasa_app: web.Application):
        self.url = url
        self.env = env
        self.rasa_app = rasa_app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from assistant.config import get_settings

    root = tmp_path_factory.mktemp("staff-browser")
    thread = ServerThread()
    mp = pytest.MonkeyPatch()
    try:
        env = build_env(root)
        rasa_app = fake_rasa_app(str(env.models_dir / "current.tar.gz"))
        rasa_port = thread.call(thread.serve(rasa_app))
        env.env["ASSISTANT_RASA_URL"] = f"http://127.0.0.1:{rasa_port}"
        for k, v in env.env.items():
            mp.setenv(k, v)
        mp.setenv("FAKE_TRAIN_STEPS", "8")
        mp.setenv("FAKE_TRAIN_SLEEP", "0.5")
        get_settings.cache_clear()
        add_feedback(env.database_url, "s3", "down", BOT_DOCS)
        env.add_user("erika", "editor")
        env.add_user("adam", "admin")

        async def start_app() -> int:
            from assistant.web.app import create_app

            return await thread.serve(create_app(get_settings()))

        port = thread.call(start_app())
        yield Server(f"http://127.0.0.1:{port}", env, rasa_app)
    finally:
        thread.stop()
        mp.undo()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    assert not pg.csp_errors, pg.csp_errors  # type: ignore[attr-defined]
    context.close()


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


def login(pg: Any, server: Server, user: str, password: str = PASSWORD) -> None:
    pg.goto(server.url + "/staff/")
    assert "/staff/login" in pg.url
    pg.get_by_label("Benutzername").fill(user)
    pg.get_by_label("Passwort").fill(password)
    pg.get_by_role("button", name="Anmelden").click()


def test_login_and_inbox_shows_fallback(page: Any, server: Server) -> None:
    login(page, server, "erika", "falsches-passwort")
    page.get_by_text("Benutzername oder Passwort ist falsch.").wait_for()
    assert page.get_by_label("Benutzername").input_value() == "erika"  # kept after the error
    shot(page, "login-error")
    login(page, server, "erika")
    page.get_by_role("heading", name="Eingang", level=1).wait_for()
    assert page.url.endswith("/staff/inbox")
    boat = page.locator("article.cluster", has=page.get_by_role("heading", name="boot anmelden"))
    boat.wait_for()
    assert "2×" in boat.inner_text() and "Nicht verstanden" in boat.inner_text()
    boat.locator("summary").click()
    conversation = boat.locator(".conv").first
    conversation.wait_for()
    content = page.content()
    assert "[Telefon]" in content and "0171" not in content
    assert "[Name]" in content and "Mustermann" not in content
    # the session cookie is HttpOnly and SameSite=Strict
    cookie = [c for c in page.context.cookies() if c["name"] == "staff_session"][0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/staff"
    shot(page, "inbox")


def test_assign_intent_adds_training_example(page: Any, server: Server) -> None:
    login(page, server, "erika")
    group = page.locator("article.cluster", has=page.get_by_role("heading", name="Perso"))
    group.wait_for()
    assert "Daumen runter" in group.inner_text()
    group.get_by_label("Was wollte die Person? (Absicht)").select_option("ask_documents")
    group.get_by_label("Leistung (optional)").select_option("personalausweis")
    shot(page, "inbox-fix")
    group.get_by_role("button", name="Als Trainingsbeispiel speichern").click()
    page.get_by_text("Der Satz ist als Trainingsbeispiel gespeichert").wait_for()
    shot(page, "inbox-fixed")
    data = yaml.safe_load(server.env.curated.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert {"intent": "ask_documents", "examples": "- Was brauche ich für den [Perso](service)?\n"} in data["nlu"]
    assert page.locator("article.cluster", has=page.get_by_role("heading", name="Perso")).count() == 0


def test_local_edit_invalid_yaml_shows_error(page: Any, server: Server) -> None:
    login(page, server, "erika")
    page.get_by_role("link", name="Ortsinfos").click()
    page.get_by_role("link", name="Kleinwalde").click()
    area = page.get_by_label("Inhalt der Datei")
    original = area.input_value()
    assert "local_answers:" in original
    broken = original.replace("  - id: dorffest_kleinwalde\n", "  - id: dorffest_kleinwalde\n    farbe: blau\n", 1)
    line = broken.splitlines().index("    farbe: blau") + 1
    area.fill(broken)
    page.get_by_role("button", name="Prüfen und speichern").click()
    alert = page.locator(".errors")
    alert.wait_for()
    text = alert.inner_text()
    assert "Nicht gespeichert" in text and f"Zeile {line}" in text and "unbekanntes Feld" in text
    assert "farbe: blau" in page.get_by_label("Inhalt der Datei").input_value()  # the input is kept
    alert.get_by_role("link", name=f"Zeile {line}").click()  # jumps to the line in the editor
    selected = page.evaluate("(() => { const a = document.getElementById('content'); "
                             "return a.value.substring(a.selectionStart, a.selectionEnd); })()")
    assert selected == "    farbe: blau"
    shot(page, "local-error")
    path = server.env.kb_dir / "municipalities" / "kleinwalde" / "municipality.yml"
    assert "farbe" not in path.read_text(encoding="utf-8")
    # a syntax error is reported with its line, too
    page.get_by_label("Inhalt der Datei").fill("id: kleinwalde\nname: Kleinwalde\noffices: [\n")
    page.get_by_role("button", name="Prüfen und speichern").click()
    page.locator(".errors").get_by_text("YAML-Syntaxfehler").wait_for()


def test_retrain_shows_progress_and_publishes(page: Any, server: Server) -> None:
    login(page, server, "adam")
    page.get_by_role("link", name="Training").click()
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Neu trainieren und veröffentlichen").click()
    page.get_by_role("heading", name="Training – Lauf #").wait_for()
    page.locator("#run-log").get_by_text("Epoche 1").wait_for()
    assert "läuft" in page.locator("#run-status").inner_text()
    assert page.locator(".step-active").count() == 1
    shot(page, "training-progress")
    page.locator("#run-status", has_text="veröffentlicht").wait_for(timeout=60_000)
    assert page.locator(".step-done").count() == 4
    assert "Testgespräche ok" in page.locator("#run-log").inner_text()
    shot(page, "training-published")
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]  # the run page (templates/training/detail.html)
    assert [(v["id"], len(v["nodes"])) for v in violations] == []
    new_model = str((server.env.models_dir / "model-new.tar.gz").resolve())
    assert server.rasa_app[LOADED] == [new_model]
    page.get_by_role("link", name="← Training").click()
    page.get_by_role("button", name="Zurück zur vorherigen Version").click()
    page.locator("#run-status", has_text="veröffentlicht").wait_for(timeout=30_000)
    assert server.rasa_app[LOADED][-1] == str((server.env.models_dir / "model-old.tar.gz").resolve())


def test_editor_sees_no_admin_pages(page: Any, server: Server) -> None:
    login(page, server, "erika")
    assert page.get_by_role("link", name="Training").count() == 0
    response = page.goto(server.url + "/staff/training")
    assert response is not None and response.status == 403
    page.get_by_text("nur für die Verwaltung").wait_for()


def test_overview_and_feedback_pages(page: Any, server: Server) -> None:
    login(page, server, "erika")
    page.get_by_role("link", name="Übersicht").click()
    page.get_by_role("heading", name="Fragen der letzten 14 Tage").wait_for()
    assert page.locator("svg.chart").count() >= 3
    assert "Personalausweis" in page.locator("section", has_text="Häufigste Leistungen").inner_text()
    shot(page, "overview")
    page.get_by_role("link", name="Bewertungen").click()
    page.get_by_text("nicht hilfreich").first.wait_for()
    shot(page, "feedback")


STAFF_PAGES = ("/staff/inbox", "/staff/local", "/staff/local/kleinwalde", "/staff/history", "/staff/overview",
               "/staff/feedback", "/staff/training", "/staff/users", "/staff/forms", "/staff/forms/kleinwalde",
               "/staff/forms/auental", "/staff/forms/kleinwalde/story", "/staff/forms/kleinwalde?ortsinfo=dorffest_kleinwalde",
               "/staff/inbox?grund=fallback", "/staff/feedback?bewertung=down")


def test_every_staff_page_passes_axe(page: Any, server: Server) -> None:
    """axe-core finds no violation on any staff page (with data in the tables: a change in the history,
    an open callback on the overview)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.goto(server.url + "/staff/login")
    found = {"/staff/login": axe.run(page).response["violations"]}
    login(page, server, "adam")
    page.goto(server.url + "/staff/local/kleinwalde")
    editor = page.locator("textarea")
    editor.fill(editor.input_value().replace("Nur Dienstag vormittags", "Nur Dienstag am Vormittag", 1))
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    for path in STAFF_PAGES:
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, path
        found[path] = axe.run(page).response["violations"]
    page.goto(server.url + "/staff/history")
    page.get_by_role("link", name="ansehen").first.click()
    found["/staff/history/<id>"] = axe.run(page).response["violations"]
    # a form page with German errors and one with a preview
    page.goto(server.url + "/staff/forms/kleinwalde")
    page.get_by_label("Telefon").fill("")
    page.locator("form", has=page.get_by_label("Telefon")).get_by_role("button", name="Speichern").click()
    page.get_by_text("bitte eine Telefonnummer").wait_for()
    found["/staff/forms/kleinwalde (Fehler)"] = axe.run(page).response["violations"]
    page.goto(server.url + "/staff/forms/kleinwalde/story")
    page.get_by_role("button", name="Vorschau").click()
    found["/staff/forms/kleinwalde/story (Fehler)"] = axe.run(page).response["violations"]
    # the YAML editor with validation errors (links to the lines)
    page.goto(server.url + "/staff/local/kleinwalde")
    area = page.get_by_label("Inhalt der Datei")
    area.fill(area.input_value().replace("  - id: dorffest_kleinwalde\n", "  - id: dorffest_kleinwalde\n    farbe: blau\n", 1))
    page.get_by_role("button", name="Prüfen und speichern").click()
    page.locator(".errors").wait_for()
    found["/staff/local/kleinwalde (Fehler)"] = axe.run(page).response["violations"]
    # the 403 page (a form sent with a wrong security token)
    page.goto(server.url + "/staff/overview")
    page.evaluate("document.querySelector('form[action=\"/staff/logout\"] input[name=csrf_token]').value = 'x'")
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_text("Die Sicherheitsprüfung ist fehlgeschlagen").wait_for()
    found["403"] = axe.run(page).response["violations"]
    summary = {p: [(v["id"], len(v["nodes"])) for v in vs] for p, vs in found.items() if vs}
    assert summary == {}, summary
