"""Staff forms over HTTP: closures, hours, notices, contacts, local answers and the guided local story.
Each edit is validated (German messages), previewed, saved into the YAML with comments kept,
recorded in the history, revertible, and loaded into the database at once."""
from __future__ import annotations

import datetime as dt
import html
from typing import AsyncIterator

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from .conftest import PASSWORD, StaffEnv
from .helpers import csrf_of, login

REL = "municipalities/kleinwalde/municipality.yml"
OFFICE = "kleinwalde_buergerbuero"


@pytest.fixture()
async def client(staff_env: StaffEnv) -> AsyncIterator[TestClient]:
    from assistant.config import get_settings
    from assistant.web.app import create_app

    staff_env.add_user("erika", "editor")
    async with TestClient(TestServer(create_app(get_settings()))) as c:
        await login(c, "erika", PASSWORD)
        yield c


async def _post(client: TestClient, path: str, data: dict) -> tuple[int, str, str]:
    page = await (await client.get("/staff/forms/kleinwalde")).text()
    resp = await client.post(path, data={"csrf_token": csrf_of(page), **data}, allow_redirects=False)
    return resp.status, resp.headers.get("Location", ""), await resp.text()


def _office(staff_env: StaffEnv) -> dict:
    data = yaml.safe_load((staff_env.kb_dir / REL).read_text(encoding="utf-8"))
    return next(o for o in data["offices"] if o["id"] == OFFICE)


async def test_closure_preview_save_history_and_database(client: TestClient, staff_env: StaffEnv) -> None:
    from assistant.db import get_engine
    from assistant.kb.store import read_kb

    day = dt.date.today() + dt.timedelta(days=3)
    form = {"office": OFFICE, "date": day.isoformat(), "until": "", "reason": "Krankheit"}
    status, _, page = await _post(client, "/staff/forms/kleinwalde/closure", {**form, "step": "preview"})
    assert status == 200 and "Vorschau" in page and "geschlossen (Krankheit)" in page
    assert not any(c.get("reason") == "Krankheit" for c in _office(staff_env)["hours"]["closures"])
    status, location, _ = await _post(client, "/staff/forms/kleinwalde/closure", {**form, "step": "save"})
    assert status == 303 and "m=saved_now" in location
    text = (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    assert "# Bürgerbüro im Gemeindehaus" in text  # comments kept
    assert {"date": day, "reason": "Krankheit"} in _office(staff_env)["hours"]["closures"]
    kb = read_kb(get_engine(staff_env.database_url))  # what the action server reads
    assert any(c.reason == "Krankheit" for c in kb.offices[OFFICE].hours.closures)
    history = await (await client.get("/staff/history")).text()
    assert REL in history


async def test_german_messages_for_bad_input(client: TestClient, staff_env: StaffEnv) -> None:
    before = (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    cases = [
        ("/staff/forms/kleinwalde/closure", {"office": OFFICE, "date": "31.02.2027", "reason": "x"}, "ist kein Datum"),
        ("/staff/forms/kleinwalde/hours", {"office": OFFICE, "di": "9 bis halb 12"}, "verstehe ich nicht"),
        ("/staff/forms/kleinwalde/hours", {"office": OFFICE, "di": "12-9"}, "Ende nicht nach dem Beginn"),
        ("/staff/forms/kleinwalde/contact", {"office": OFFICE, "phone": "", "street": "Dorfstraße 7",
                                             "postcode": "06998", "city": "Kleinwalde"}, "bitte eine Telefonnummer"),
        ("/staff/forms/kleinwalde/contact", {"office": OFFICE, "phone": "030 23125 400", "street": "Dorfstraße 7",
                                             "postcode": "6998", "city": "Kleinwalde"}, "fünf Ziffern"),
        ("/staff/forms/kleinwalde/answer", {"id": "x", "questions": "eine\nzwei", "answer": "kurz"}, "mindestens 3"),
        ("/staff/forms/kleinwalde/notice", {"office": "", "text": "Stromausfall heute", "until": ""}, "Datum eingeben"),
        ("/staff/forms/kleinwalde/closure", {"office": OFFICE, "date": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
                                             "reason": "Krankheit " * 30}, "höchstens 200 Zeichen"),
        ("/staff/forms/kleinwalde/answer", {"id": "lang", "questions": "a?\nb?\nc?", "answer": "Satz. " * 300},
         "höchstens 1500 Zeichen"),
    ]
    for path, data, expected in cases:
        status, _, page = await _post(client, path, {**data, "step": "save"})
        assert status == 422 and expected in page, (path, data)
        assert "Input should" not in page and "did not find" not in page
    assert (staff_env.kb_dir / REL).read_text(encoding="utf-8") == before


async def test_hours_notice_contact_and_answer_are_saved(client: TestClient, staff_env: StaffEnv) -> None:
    until = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    status, _, _ = await _post(client, "/staff/forms/kleinwalde/hours",
                               {"office": OFFICE, "di": "9-12", "mi": "", "do": "14:00-18:00, 18:30-19:30",
                                "fr": "8:00 - 10:00", "step": "save"})
    assert status == 303
    assert _office(staff_env)["hours"]["weekly"] == {"di": ["09:00-12:00"], "do": ["14:00-18:00", "18:30-19:30"],
                                                     "fr": ["08:00-10:00"]}
    status, _, _ = await _post(client, "/staff/forms/kleinwalde/notice",
                               {"office": OFFICE, "text": "Heute Stromausfall, bitte anrufen", "until": until, "step": "save"})
    assert status == 303
    assert _office(staff_env)["notices"] == [{"text": "Heute Stromausfall, bitte anrufen",
                                              "until": dt.date.fromisoformat(until)}]
    status, _, _ = await _post(client, "/staff/forms/kleinwalde/contact",
                               {"office": OFFICE, "phone": "030 23125 401", "email": "", "street": "Dorfstraße 9",
                                "postcode": "06998", "city": "Kleinwalde", "step": "save"})
    assert status == 303
    assert _office(staff_env)["phone"] == "030 23125 401" and "email" not in _office(staff_env)
    status, location, _ = await _post(client, "/staff/forms/kleinwalde/answer", {
        "id": "wertstoffhof", "questions": "Wann hat der Wertstoffhof auf?\nWertstoffhof Zeiten\nWo ist der Wertstoffhof?",
        "answer": "Der Wertstoffhof hat Mittwoch 14 bis 18 Uhr offen.", "step": "save"})
    assert status == 303 and "saved_train" in location
    data = yaml.safe_load((staff_env.kb_dir / REL).read_text(encoding="utf-8"))
    assert data["local_answers"][-1]["id"] == "wertstoffhof"


async def test_guided_story_writes_valid_rasa_files_and_can_be_reverted(client: TestClient,
                                                                         staff_env: StaffEnv) -> None:
    from assistant.config import ROOT
    from assistant.kb.local_dialogue.check import check_local_dialogues

    page = await (await client.get("/staff/forms/kleinwalde/story")).text()
    form = {"csrf_token": csrf_of(page), "topic": "wertstoffhof_tag",
            "questions": "Wann hat der Wertstoffhof bei uns auf?\nwertstoffhof öffnungszeit in meinem ortsteil\n"
                         "Wann kann ich zum Wertstoffhof fahren?\nHat der Wertstoffhof heute offen?\nwertstoffhof wann offen",
            "ask_back": "Aus welchem Ortsteil kommen Sie?",
            "option_0": "Oberwalde", "answer_0": "Für Oberwalde: Wertstoffhof Musterstadt, Mittwoch 14 bis 18 Uhr.",
            "option_1": "Birkenhain", "answer_1": "Für Birkenhain: Bauhof Kleinwalde, Samstag 9 bis 12 Uhr."}
    preview = await client.post("/staff/forms/kleinwalde/story", data={**form, "step": "preview"})
    text = await preview.text()
    assert preview.status == 200 and "Aus welchem Ortsteil kommen Sie?" in text and "Wirkt nach dem nächsten Training" in text
    assert not (staff_env.kb_dir / "municipalities/kleinwalde/dialogue/data/wertstoffhof_tag.yml").exists()
    bad = await client.post("/staff/forms/kleinwalde/story", data={**form, "topic": "Wertstoffhof!", "step": "save"})
    assert bad.status == 422 and "Kurzname" in await bad.text()
    resp = await client.post("/staff/forms/kleinwalde/story", data={**form, "step": "save"}, allow_redirects=False)
    assert resp.status == 303 and "story_saved" in resp.headers["Location"]
    dialogues, problems = check_local_dialogues(staff_env.kb_dir, ROOT)
    assert problems == []
    kleinwalde = next(d for d in dialogues if d.municipality_id == "kleinwalde")
    assert kleinwalde.intents == ["kleinwalde_sperrmuell_strasse", "kleinwalde_wertstoffhof_tag"]
    assert "kleinwalde_wertstoffhof_tag_option" in kleinwalde.tables["wertstoffhof_tag"].slot
    tests = yaml.safe_load((staff_env.kb_dir / "municipalities/kleinwalde/tests.yml").read_text(encoding="utf-8"))
    assert tests["stories"][-1]["steps"][0]["intent"] == "kleinwalde_wertstoffhof_tag"
    page = await (await client.get("/staff/forms/kleinwalde")).text()
    assert "kleinwalde_wertstoffhof_tag" in page
    again = await client.post("/staff/forms/kleinwalde/story", data={**form, "csrf_token": csrf_of(page), "step": "save"})
    assert again.status == 422 and "schon ein Gespräch" in await again.text()


async def test_story_is_reverted_as_a_whole_from_the_history(client: TestClient, staff_env: StaffEnv) -> None:
    page = await (await client.get("/staff/forms/auental/story")).text()
    form = {"csrf_token": csrf_of(page), "topic": "dorfladen_tag", "ask_back": "In welchem Ortsteil wohnen Sie?",
            "questions": "Wann kommt der mobile Dorfladen?\nWann hält der rollende Laden bei uns?\n"
                         "Wo hält der Verkaufswagen?\nKommt der Dorfladen auch zu uns?\nverkaufswagen halt",
            "option_0": "Lindenau", "answer_0": "Dienstags um 10 Uhr am Feuerwehrhaus Lindenau.", "step": "save"}
    resp = await client.post("/staff/forms/auental/story", data=form, allow_redirects=False)
    assert resp.status == 303
    table = staff_env.kb_dir / "municipalities/auental/dialogue/data/dorfladen_tag.yml"
    assert table.exists()
    history = await (await client.get("/staff/history")).text()
    row = next(r for r in history.split("<tr>") if "auental/dialogue/nlu.yml" in r)
    first_id = row.split('href="/staff/history/')[1].split('"')[0]
    detail = await (await client.get(f"/staff/history/{first_id}")).text()
    assert "Alle 5 Dateien zusammen rückgängig machen" in detail
    # the intent alone cannot go: the rules still use it
    single = await client.post(f"/staff/history/{first_id}/revert", data={"csrf_token": csrf_of(detail)})
    single_text = await single.text()
    assert single.status == 409 and "alle zusammen rückgängig" in single_text
    assert "unbekannte Absicht 'auental_dorfladen_tag'" in html.unescape(single_text)
    both = await client.post(f"/staff/history/{first_id}/revert", data={"csrf_token": csrf_of(detail), "group": "1"},
                             allow_redirects=False)
    assert both.status == 303
    assert not table.exists()
    nlu = (staff_env.kb_dir / "municipalities/auental/dialogue/nlu.yml").read_text(encoding="utf-8")
    assert "dorfladen" not in nlu and "auental_buergermobil_halt" in nlu


async def test_entered_values_are_kept_after_an_error(client: TestClient, staff_env: StaffEnv) -> None:
    """A German error must not throw away what the clerk typed in the other fields of that form."""
    contact = {"office": OFFICE, "phone": "030 23125 499", "email": "buero@kleinwalde.example",
               "street": "Neue Straße 12", "postcode": "6998", "city": "Kleinwalde"}
    status, _, page = await _post(client, "/staff/forms/kleinwalde/contact", {**contact, "step": "save"})
    assert status == 422 and "fünf Ziffern" in page
    for value in ("030 23125 499", "buero@kleinwalde.example", "Neue Straße 12", 'value="6998"'):
        assert value in page, value
    status, _, page = await _post(client, "/staff/forms/kleinwalde/hours",
                                  {"office": OFFICE, "mo": "8-12", "di": "12-9", "step": "save"})
    assert status == 422 and 'value="12-9"' in page and 'value="8-12"' in page
    status, _, page = await _post(client, "/staff/forms/kleinwalde/notice",
                                  {"office": OFFICE, "text": "Heute Stromausfall, bitte anrufen", "until": "",
                                   "step": "save"})
    assert status == 422 and "Datum eingeben" in page and "Heute Stromausfall, bitte anrufen" in page
    status, _, page = await _post(client, "/staff/forms/kleinwalde/answer",
                                  {"id": "wertstoffhof", "questions": "Wann hat der Wertstoffhof offen?",
                                   "answer": "Samstags von 9 bis 12 Uhr.", "step": "save"})
    assert status == 422 and "mindestens 3" in page and "Wann hat der Wertstoffhof offen?" in page
    status, _, page = await _post(client, "/staff/forms/kleinwalde/closure",
                                  {"office": "gibt_es_nicht", "date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
                                   "reason": "Krankheit", "step": "save"})
    assert status == 422 and "Bitte korrigieren" in page and "Error" not in page
