"""Staff pages over HTTP (aiohttp test client): inbox fix, local data editing, overview, training."""
from __future__ import annotations

import asyncio
import re
from typing import AsyncIterator

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from .conftest import PASSWORD, StaffEnv
from .helpers import csrf_of, login

REL = "municipalities/kleinwalde/municipality.yml"


@pytest.fixture()
async def client(staff_env: StaffEnv) -> AsyncIterator[TestClient]:
    from assistant.config import get_settings
    from assistant.web.app import create_app

    staff_env.add_user("erika", "editor")
    staff_env.add_user("adam", "admin")
    async with TestClient(TestServer(create_app(get_settings()))) as c:
        yield c


def _event_ids(page: str, label_part: str) -> tuple[list[str], str]:
    for article in page.split('<article class="cluster"')[1:]:
        if label_part.lower() in article.split("</h2>")[0].lower():
            return re.findall(r'name="event_id" value="(\d+)"', article.split('class="dismiss"')[0]), article
    raise AssertionError(f"no group {label_part!r}")


async def test_inbox_assign_and_dismiss(client: TestClient, staff_env: StaffEnv) -> None:
    await login(client, "erika", PASSWORD)
    page = await (await client.get("/staff/inbox")).text()
    assert "0171" not in page and "Mustermann" not in page  # redacted everywhere
    assert "[Telefon]" in page and "[Name]" in page
    ids, article = _event_ids(page, "Perso")
    assert "Daumen runter" in article and "Unsicher" in article
    token = csrf_of(page)
    resp = await client.post("/staff/inbox/assign", data={"csrf_token": token, "event_id": ids, "intent": "ask_documents",
                                                          "service": "personalausweis",
                                                          "text": "Was brauche ich für den Perso?"},
                             allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].endswith("m=added")
    data = yaml.safe_load(staff_env.curated.read_text(encoding="utf-8"))
    assert data["nlu"] == [{"intent": "ask_documents", "examples": "- Was brauche ich für den [Perso](service)?\n"}]
    page = await (await client.get("/staff/inbox?m=added")).text()
    assert "Trainingsbeispiel gespeichert" in page
    assert not any("Perso" in x for x in re.findall(r'<h2 id="c-\d+">(.*?)</h2>', page))  # handled: hidden
    # placeholders are refused
    boat_ids, _ = _event_ids(page, "boot anmelden")
    bad = await client.post("/staff/inbox/assign", data={"csrf_token": token, "event_id": boat_ids, "intent": "out_of_scope",
                                                         "text": "Meine Nummer ist [Telefon]"})
    assert bad.status == 400 and "Platzhalter" in await bad.text()
    unknown = await client.post("/staff/inbox/assign", data={"csrf_token": token, "event_id": boat_ids,
                                                             "intent": "nlu_fallback", "text": "Boot anmelden"})
    assert unknown.status == 400
    resp = await client.post("/staff/inbox/dismiss", data={"csrf_token": token, "event_id": boat_ids},
                             allow_redirects=False)
    assert resp.status == 303
    headings = re.findall(r'<h2 id="c-\d+">(.*?)</h2>', await (await client.get("/staff/inbox")).text())
    assert not any("boot anmelden" in x.lower() for x in headings) and any("Bootsanmeldung" in x for x in headings)


async def test_local_edit_validation_and_history(client: TestClient, staff_env: StaffEnv) -> None:
    await login(client, "erika", PASSWORD)
    listing = await (await client.get("/staff/local")).text()
    assert "/staff/local/kleinwalde" in listing
    page = await (await client.get("/staff/local/kleinwalde")).text()
    base = re.search(r'name="base" value="([^"]+)"', page).group(1)
    original = (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    broken = original.replace("local_answers:\n", "local_answers:\n  - id: Falsch\n    questions: [nur eine]\n    answer: kurz\n")
    resp = await client.post("/staff/local/kleinwalde", data={"csrf_token": csrf_of(page), "base": base, "content": broken})
    text = await resp.text()
    assert resp.status == 422
    assert "Nicht gespeichert" in text and re.search(r"Zeile \d+", text)
    assert (staff_env.kb_dir / REL).read_text(encoding="utf-8") == original
    changed = original.replace("Der Eintritt ist frei.", "Der Eintritt ist frei, Kinder essen gratis.")
    resp = await client.post("/staff/local/kleinwalde", data={"csrf_token": csrf_of(page), "base": base, "content": changed},
                             allow_redirects=False)
    assert resp.status == 303
    assert "Kinder essen gratis" in (staff_env.kb_dir / REL).read_text(encoding="utf-8")
    history = await (await client.get("/staff/history")).text()
    change_id = re.search(r'href="/staff/history/(\d+)"', history).group(1)
    detail = await (await client.get(f"/staff/history/{change_id}")).text()
    assert "Kinder essen gratis" in detail and 'class="add"' in detail
    resp = await client.post(f"/staff/history/{change_id}/revert", data={"csrf_token": csrf_of(detail)},
                             allow_redirects=False)
    assert resp.status == 303
    assert (staff_env.kb_dir / REL).read_text(encoding="utf-8") == original
    assert (await client.get("/staff/local/unbekannt")).status == 404
    assert (await client.get("/staff/local/..%2Fcounty")).status == 404


async def test_overview_and_feedback(client: TestClient, staff_env: StaffEnv) -> None:
    from assistant.booking.models import CallbackRequest
    from assistant.curation.models import utcnow

    with staff_env.sessionmaker()() as session:
        session.add(CallbackRequest(office_id="kleinwalde_buergerbuero", topic="Ausweis, ich heiße Max Muster",
                                    phone="0171 1234567", preferred_time="vormittags", created_at=utcnow()))
        session.commit()
    await login(client, "erika", PASSWORD)
    page = await (await client.get("/staff/overview")).text()
    assert "<svg" in page and "Personalausweis" in page and "Nicht verstanden" in page
    assert "Offen: <strong>1</strong>" in page and "Max Muster" not in page
    assert "Termine heute" in page and "Bürgerbüro im Gemeindehaus Kleinwalde" in page
    cb_id = re.search(r'action="/staff/callbacks/(\d+)/done"', page).group(1)
    resp = await client.post(f"/staff/callbacks/{cb_id}/done", data={"csrf_token": csrf_of(page)}, allow_redirects=False)
    assert resp.status == 303
    assert "Offen: <strong>0</strong>" in await (await client.get("/staff/overview")).text()
    fb = await (await client.get("/staff/feedback")).text()
    assert "nicht hilfreich" in fb and "Passfoto" in fb
    down = await (await client.get("/staff/feedback?bewertung=down")).text()
    assert "70 Euro" not in down


async def test_training_start_and_status(client: TestClient, staff_env: StaffEnv) -> None:
    await login(client, "adam", PASSWORD)
    page = await (await client.get("/staff/training")).text()
    assert "Neu trainieren und veröffentlichen" in page
    resp = await client.post("/staff/training/start", data={"csrf_token": csrf_of(page)}, allow_redirects=False)
    assert resp.status == 303
    location = resp.headers["Location"]
    run_page = await (await client.get(location)).text()
    assert "Training" in run_page and 'data-status-url' in run_page
    for _ in range(300):
        status = await (await client.get(location + "/status")).json()
        if status["status"] != "running":
            break
        await asyncio.sleep(0.1)
    # no Rasa at ASSISTANT_RASA_URL in this test: the checks pass, publishing fails honestly
    assert status["status"] == "failed" and status["step"] == "publish"
    assert "Rasa ist nicht erreichbar" in status["message"]
    assert "Testgespräche ok" in status["log"]
