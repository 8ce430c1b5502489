"""Issue 15 over REST against the real trained model: the Bürgermobil stop, moving within Germany,
photos in the pre-check, certificates by post, a dog's Abmeldung, accessibility remedies.
Expectations are taken from the knowledge base, not from what the bot happens to say."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant import formatting
from assistant.kb import hours as H
from assistant.kb.loader import load_kb

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def kb():
    return load_kb(ROOT / "kb")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b.get("payload", "") for r in replies for b in r.get("buttons", [])]


def sender() -> str:
    return f"i15-{uuid.uuid4().hex[:8]}"


def test_passport_in_auental_names_the_lindenau_stop_and_its_next_date(stack, kb):
    replies = stack.chat("Wo kann ich in Auental meinen Reisepass beantragen?")
    text = texts(replies)
    stop = kb.offices["buergermobil_lindenau"]
    nxt = H.next_opening(stop.hours, dt.datetime.now(TZ), TZ, kb.county.state)
    assert "Feuerwehrhaus Lindenau" in text and stop.address.street in text
    assert formatting.date_medium(nxt.start.date()) in text
    assert "Schlossplatz" not in text


def test_booking_at_the_buergermobil_in_lindenau_offers_and_confirms_that_stop(stack, kb):
    who = sender()
    replies = stack.chat("Termin beim Bürgermobil in Lindenau", who)
    if not any("slot:" in p for p in payloads(replies)):  # the service is asked first
        replies = stack.chat('/inform{"service": "personalausweis"}', who)
    slots = [p for p in payloads(replies) if "slot:" in p]
    assert slots, texts(replies)
    assert all("slot:buergermobil_lindenau|" in p for p in slots)
    confirm = stack.chat(slots[0], who)
    text = texts(confirm)
    assert "Feuerwehrhaus Lindenau" in text and kb.offices["buergermobil_lindenau"].address.street in text
    assert "Schlossplatz" not in text and "Eichenbrück" not in text


def test_moving_within_germany_needs_no_abmeldung(stack):
    text = texts(stack.chat("Wir ziehen von Musterstadt nach Kleinwalde, müssen wir uns in Musterstadt abmelden?"))
    assert text.startswith("Nein") and "§ 17 BMG" in text and "Kleinwalde" in text
    assert "zuständig ist" not in text


def test_booth_photo_is_not_everything(stack):
    who = sender()
    stack.chat("Ich brauche einen neuen Personalausweis", who)
    text = texts(stack.chat("Ich habe den alten Ausweis und ein Foto vom Automaten", who))
    assert "Sie haben alles" not in text
    assert "nicht mehr angenommen" in text


def test_birth_certificate_by_post(stack, kb):
    text = texts(stack.chat("Kann ich die Geburtsurkunde bestellen, ohne hinzugehen?"))
    assert "Sie müssen nicht hingehen" in text and "E-Mail" in text
    assert "geht leider nicht online" not in text


def test_dead_dog_reaches_hund_abmelden(stack):
    replies = stack.chat("Mein Hund ist gestorben, muss ich den abmelden?")
    text = texts(replies)
    assert "Steuerstelle" in text and "abmelden" in text
    assert any('"hund_abmelden"' in p for p in payloads(replies))
    assert "Hundesteuermarke bekommen" not in text  # not the registration answer


def test_standesamt_accessibility_with_remedy(stack, kb):
    text = texts(stack.chat("Ist das Standesamt in Musterstadt barrierefrei?"))
    note = kb.offices["musterstadt_standesamt"].accessibility.note
    assert "nicht stufenlos" in text
    assert re.sub(r"\s+", " ", note.strip()) in re.sub(r"\s+", " ", text)
