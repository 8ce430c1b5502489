"""The privacy notice for residents (``/datenschutz`` on the web, ``/datenschutz`` in Telegram),
built from the settings so that it never disagrees with what the assistant does.

:func:`notice` returns the content as data (sections with plain-German B1 sentences); the web page
renders it with ``assistant/web/templates/datenschutz.html`` (Jinja2, autoescaped), Telegram with
:func:`notice_text`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.config import Settings

Channel = Literal["web", "telegram"]
TEMPLATES = Path(__file__).resolve().parent / "web" / "templates"


@dataclass(frozen=True)
class Section:
    title: str
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    title: str
    intro: str
    sections: list[Section]


def _after(n: int) -> str:
    """'nach 30 Tagen' (dative)."""
    return "nach 1 Tag" if n == 1 else f"nach {n} Tagen"


def _days(n: int) -> str:
    """'14 Tage' (accusative)."""
    return "1 Tag" if n == 1 else f"{n} Tage"


def notice(settings: Settings, channel: Channel = "web", outbox_minutes: int | None = None) -> Notice:
    conv = settings.conversation_retention_days
    appt = settings.appointment_retention_days
    lists = settings.checklist_retention_days
    who = "Ihre Telegram-Chat-ID" if channel == "telegram" else "eine zufällige Kennung Ihres Browsers"
    stored = [
        f"Unser Gespräch: Ihre Nachrichten und meine Antworten, dazu {who}. Persönliche Angaben ersetze ich "
        "vor dem Speichern durch Platzhalter, zum Beispiel [Telefon]. Das gilt für Telefonnummern, E-Mail-Adressen, "
        "IBAN, Geburtsdaten, Ausweis- und Steuernummern und Adressen mit Hausnummer. "
        f"Das Gespräch lösche ich {_after(conv)}.",
        "Wenn Sie einen Termin buchen: Amt, Anliegen, Uhrzeit und Buchungscode. Einen Namen nur, wenn das Amt "
        f"ihn braucht. Ich lösche diese Angaben {_days(appt)} nach dem Termin.",
        "Wenn Sie um einen Rückruf bitten: Thema, Ihre Telefonnummer und Ihre Wunschzeit. Nur hier speichere ich "
        f"Ihre Telefonnummer. Ich lösche die Rückrufbitte {_after(appt)}.",
        "Wenn Sie eine Liste speichern: die Leistung, die Gemeinde und Ihre Antworten mit Ja oder Nein. "
        f"Ich lösche die Liste {_after(lists)}.",
        f"Wenn Sie 👍 oder 👎 drücken: Ihre Bewertung und meine Antwort. Ich lösche sie {_after(conv)}.",
        "Sprachnachrichten wandle ich auf unserem eigenen Server in Text um. Die Aufnahme speichere ich nicht.",
    ]
    if channel == "telegram":
        stored.append("Ob Sie Antworten auch als Sprache möchten.")
        if outbox_minutes:
            stored.append("Wenn ich kurz nicht erreichbar bin: Ihre Nachricht, bis ich antworten kann "
                          f"(höchstens {outbox_minutes} Minuten).")
    else:
        stored.append("Ihr Browser merkt sich den Verlauf auf Ihrem Gerät, bis Sie „Verlauf löschen“ drücken.")
    never = [
        "Ihre Telefonnummer im Gespräch oder in Protokollen. Sie steht nur in der Rückrufbitte.",
        "Ihre IP-Adresse in Protokollen.",
        "Aufnahmen Ihrer Stimme.",
        "Werbung, Tracking oder Auswertung Ihres Verhaltens.",
    ]
    third = [
        "Der Assistent läuft auf eigenen Servern. Ich gebe keine Daten an Dritte weiter.",
        "Ich lade keine Schriften, Bilder oder Programme von fremden Servern.",
    ]
    if channel == "telegram":
        third.append("Telegram selbst speichert Nachrichten nach eigenen Regeln.")
    delete = [
        ("Schreiben Sie /loeschen." if channel == "telegram" else "Drücken Sie im Chat auf „Verlauf löschen“.")
        + " Dann lösche ich sofort unser Gespräch, Ihre Bewertungen, Ihre Rückrufbitten und Ihre gespeicherten Listen.",
        "Gebuchte Termine bleiben bestehen, weil das Amt sie braucht. Absagen können Sie einen Termin mit Ihrem "
        "Buchungscode.",
        "Sie möchten wissen, was über Ihr Gespräch gespeichert ist? Fragen Sie im Bürgerbüro. "
        "Sie bekommen dann alles, was gespeichert ist.",
    ]
    return Notice(
        title="Datenschutz",
        intro="Hier steht, was der Bürgerassistent speichert, wie lange, und wie Sie es löschen.",
        sections=[Section("Was ich speichere", stored), Section("Was ich nie speichere", never),
                  Section("Keine Weitergabe", third), Section("So löschen Sie Ihre Daten", delete)],
    )


def notice_text(settings: Settings, channel: Channel = "telegram", outbox_minutes: int | None = None) -> str:
    """Plain text (Telegram): title, then each section with bullet points."""
    n = notice(settings, channel, outbox_minutes)
    parts = [f"{n.title}\n{n.intro}"]
    for section in n.sections:
        parts.append(section.title + ":\n" + "\n".join(f"• {item}" for item in section.items))
    return "\n\n".join(parts)


def notice_html(settings: Settings, channel: Channel = "web") -> str:
    """The web page (Jinja2 template with autoescaping)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("datenschutz.html").render(notice=notice(settings, channel))
