"""Labels, navigation and small formatting helpers of the staff area (the HTML is in templates/)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

INTENT_LABELS = {
    "greet": "Begrüßung",
    "goodbye": "Verabschiedung",
    "thank": "Dank",
    "affirm": "Ja / Zustimmung",
    "deny": "Nein / Ablehnung",
    "bot_challenge": "Bin ich mit einem Computer verbunden?",
    "help": "Was kann ich hier fragen?",
    "inform": "Angabe (Ort, Leistung, Antwort)",
    "out_of_scope": "Nicht unser Thema",
    "ask_documents": "Welche Unterlagen brauche ich?",
    "ask_howto": "Wie läuft das ab?",
    "ask_office": "Welches Amt ist zuständig?",
    "ask_opening_hours": "Öffnungszeiten",
    "ask_directions": "Wie komme ich hin?",
    "ask_online": "Geht das online?",
    "ask_fees": "Was kostet das?",
    "book_appointment": "Termin buchen",
    "cancel_appointment": "Termin absagen",
    "request_human": "Mit einem Menschen sprechen",
    "reschedule_appointment": "Termin verschieben",
    "ask_life_event": "Lebenslage (Umzug, Geburt, ...)",
    "check_documents": "Reichen meine Unterlagen?",
    "dont_know": "Weiß nicht",
    "ask_local": "Frage zum Ort (Ortsinfos)",
}
REASON_CLASSES = {"fallback": "badge-fallback", "unsure": "badge-unsure", "thumbs_down": "badge-down",
                  "human": "badge-human"}


@dataclass
class StaffContext:
    user_id: int
    username: str
    role: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


NAV = (
    ("inbox", "/staff/inbox", "Eingang", "editor"),
    ("overview", "/staff/overview", "Übersicht", "editor"),
    ("feedback", "/staff/feedback", "Bewertungen", "editor"),
    ("forms", "/staff/forms", "Daten bearbeiten", "editor"),
    ("local", "/staff/local", "Ortsinfos (YAML)", "editor"),
    ("history", "/staff/history", "Änderungen", "editor"),
    ("training", "/staff/training", "Training", "admin"),
    ("users", "/staff/users", "Zugänge", "admin"),
)


def local_time(value: Optional[dt.datetime], tz: ZoneInfo, fmt: str = "%d.%m.%Y %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(tz).strftime(fmt)
