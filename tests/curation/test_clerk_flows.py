"""Clerk flows in real Chromium against the real stack (trained Rasa model, action server, web
server; ``stack`` fixture in tests/conftest.py, which runs on a copy of kb/):
a clerk adds a closure for next Tuesday in the form, and a resident asking for that office's hours
over /api/chat is told at once; a clerk writes a local story in the guided form, the written files
pass ``assistant kb check`` and ``rasa data validate``, and after training (once per session, DIET
with fewer epochs: tests/local_training.py) the municipality's conversation tests, which now include
the clerk's story, pass against that model."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from ..local_training import prepare_project, train_and_test
from .conftest import PASSWORD
from .test_browser import CHROMIUM_ARGS, _chromium

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clerk(stack) -> str:
    from assistant.curation import auth
    from assistant.db import get_sessionmaker

    with get_sessionmaker(stack.database_url)() as session:
        if auth.get_user(session, "klara") is None:
            auth.create_user(session, "klara", PASSWORD, "editor")
    return "klara"


@pytest.fixture()
def page(stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE", viewport={"width": 1200, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        browser.close()


def next_tuesday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)


def _login(pg: Any, url: str, user: str) -> None:
    pg.goto(url + "/staff/login")
    pg.get_by_label("Benutzername").fill(user)
    pg.get_by_label("Passwort").fill(PASSWORD)
    pg.get_by_role("button", name="Anmelden").click()
    pg.get_by_role("link", name="Daten bearbeiten").wait_for()


def _hours_answer(stack) -> str:
    replies = stack.chat("Wann hat das Bürgerbüro in Kleinwalde offen?")
    return "\n".join(r.get("text", "") for r in replies)


def test_closure_entered_in_the_form_is_told_at_once(page: Any, stack, clerk: str) -> None:
    from assistant import formatting

    tuesday = next_tuesday(dt.date.today())
    assert "Krankheit" not in _hours_answer(stack)
    _login(page, stack.web_url, clerk)
    page.get_by_role("link", name="Daten bearbeiten").click()
    page.get_by_role("link", name="Kleinwalde").click()
    form = page.locator("form", has=page.get_by_label("Grund (wird den Bürgern genannt)"))
    form.get_by_label("Geschlossen am (oder ab)").fill(tuesday.isoformat())
    form.get_by_label("Grund (wird den Bürgern genannt)").fill("Krankheit")
    form.get_by_role("button", name="Vorschau").click()
    preview = page.locator("section.preview")
    assert "Krankheit" in preview.inner_text()
    page.locator("form", has=page.get_by_label("Grund (wird den Bürgern genannt)")) \
        .get_by_role("button", name="Speichern").click()
    page.get_by_text("Der Assistent antwortet ab sofort damit").wait_for()
    saved_at = time.monotonic()
    expected = formatting.date_medium(tuesday)
    answer = ""
    while time.monotonic() - saved_at < 10:  # the action server re-checks the KB every second
        answer = _hours_answer(stack)
        if "Krankheit" in answer:
            break
        time.sleep(0.5)
    first_line = answer.splitlines()[0]
    assert "Krankheit" in first_line and expected in first_line, answer
    told_after = time.monotonic() - saved_at
    assert told_after < 10
    # recorded in the history and revertible: the resident no longer hears about it
    page.get_by_role("link", name="Änderungen").click()
    page.get_by_role("link", name="ansehen").first.click()
    assert "Krankheit" in page.locator("pre.diff").inner_text()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Diese Änderung rückgängig machen").click()
    page.get_by_text("rückgängig gemacht").first.wait_for()
    deadline = time.monotonic() + 10
    while "Krankheit" in _hours_answer(stack) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Krankheit" not in _hours_answer(stack)


def test_guided_story_written_by_a_clerk_validates_for_rasa(page: Any, stack, clerk: str, tmp_path: Path) -> None:
    kb_dir = stack.var_dir / "kb"
    _login(page, stack.web_url, clerk)
    page.goto(stack.web_url + "/staff/forms/auental/story")
    page.get_by_label("Kurzname").fill("dorfladen_tag")
    page.get_by_label("So fragen Bürgerinnen und Bürger").fill(
        "Wann kommt der mobile Dorfladen zu uns?\nWann hält der rollende Laden in meinem Ortsteil?\n"
        "Wo kann ich beim Verkaufswagen einkaufen?\nKommt der Dorfladen-Wagen auch zu uns?\nverkaufswagen halt bei uns")
    page.get_by_label("Rückfrage des Assistenten").fill("In welchem Ortsteil von Auental wohnen Sie?")
    page.get_by_label("Auswahl 1", exact=True).fill("Lindenau")
    page.get_by_label("Antwort bei Auswahl 1").fill("Der Verkaufswagen hält dienstags um 10 Uhr am Feuerwehrhaus Lindenau.")
    page.get_by_label("Auswahl 2", exact=True).fill("Wiesengrund")
    page.get_by_label("Antwort bei Auswahl 2").fill("Der Verkaufswagen hält donnerstags um 9 Uhr an der Bushaltestelle Wiesengrund.")
    page.get_by_role("button", name="Vorschau").click()
    assert "In welchem Ortsteil von Auental wohnen Sie?" in page.locator("section.preview").inner_text()
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Das Gespräch ist gespeichert und geprüft").wait_for()
    assert "auental_dorfladen_tag" in page.locator("#gespraeche").inner_text()
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    gen = subprocess.run([str(ROOT / ".venv/app/bin/assistant"), "kb", "nlu", "--path", str(kb_dir),
                          "--out", str(tmp_path / "data/nlu/generated"),
                          "--dialogue-out", str(tmp_path / "data/generated/local_dialogues"),
                          "--domain-out", str(tmp_path / "domain")], capture_output=True, text=True, env=env, timeout=300)
    assert gen.returncode == 0, gen.stderr
    assert (tmp_path / "data/generated/local_dialogues/auental/rules.yml").read_text(encoding="utf-8").count(
        "auental_dorfladen_tag_form") >= 3
    for sub in ("nlu", "rules", "stories"):
        (tmp_path / "data" / sub).mkdir(parents=True, exist_ok=True)
    for folder in ("nlu", "rules", "stories"):
        for f in (ROOT / "data" / folder).glob("*.yml"):
            (tmp_path / "data" / folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    validate = subprocess.run([str(ROOT / ".venv/rasa/bin/rasa"), "data", "validate", "--fail-on-warnings",
                               "--domain", str(tmp_path / "domain"), "--data", str(tmp_path / "data"),
                               "--config", str(ROOT / "config.yml")],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    problems = [line for line in (validate.stdout + validate.stderr).splitlines()
                if ("UserWarning" in line or "Error" in line) and "is not used in any story" not in line]
    assert validate.returncode == 0 or not problems, problems[-10:]
    assert not problems, problems[-10:]
    # ... retrain, and the story works in a conversation test (kb/municipalities/auental/tests.yml,
    # to which the form added the clerk's story)
    assert "auental_dorfladen_tag" in (kb_dir / "municipalities/auental/tests.yml").read_text(encoding="utf-8")
    prepare_project(kb_dir, tmp_path / "trained")
    train_and_test(tmp_path / "trained", kb_dir, "auental")
