"""Everything the bridge itself says (German, B1, Sie-form). Rasa's answers come from Rasa."""
from __future__ import annotations

from assistant.answers.reply import payload

START = (
    "Guten Tag! Ich bin der digitale Bürgerassistent des Landkreises Musterland.\n\n"
    "Ich helfe Ihnen zum Beispiel bei diesen Fragen:\n"
    "• Welche Unterlagen brauche ich für einen Reisepass?\n"
    "• Wann hat das Bürgerbüro geöffnet?\n"
    "• Wie komme ich zum Amt?\n"
    "• Ich möchte einen Termin buchen.\n\n"
    "Schreiben Sie einfach Ihre Frage. Sie können mir auch eine Sprachnachricht schicken.\n\n"
    "Datenschutz: Ich speichere unser Gespräch, damit ich Ihre Fragen richtig verstehe. "
    "Ich gebe keine Daten an andere weiter. Mehr dazu: /datenschutz. "
    "Ihren Verlauf löschen: /loeschen."
)

START_BUTTONS = [
    {"title": "Personalausweis", "payload": payload("ask_documents", service="personalausweis")},
    {"title": "Reisepass", "payload": payload("ask_documents", service="reisepass")},
    {"title": "Umzug melden", "payload": payload("ask_documents", service="wohnsitz_anmelden")},
    {"title": "Öffnungszeiten", "payload": payload("ask_opening_hours")},
    {"title": "Termin buchen", "payload": payload("book_appointment")},
]

HELP = (
    "So können Sie mich fragen:\n"
    "• Schreiben Sie Ihre Frage in ganzen Sätzen oder in Stichworten, "
    "z. B. „Personalausweis beantragen“ oder „Öffnungszeiten Bürgerbüro Kleinwalde“.\n"
    "• Oder schicken Sie eine Sprachnachricht. Dann antworte ich mit Text und auch mit Sprache.\n"
    "• Tippen Sie auf die Knöpfe unter meinen Antworten, um schnell weiterzukommen.\n\n"
    "Ich kenne Unterlagen, Gebühren, Öffnungszeiten, Wege zum Amt und Online-Dienste. "
    "Ich kann auch Termine buchen und erinnere Sie am Tag vorher.\n\n"
    "Befehle:\n"
    "/hilfe – diese Hilfe\n"
    "/datenschutz – welche Daten ich speichere\n"
    "/loeschen – Ihren Verlauf löschen\n"
    "/stimme aus – keine Sprachantworten mehr\n"
    "/stimme an – wieder Sprachantworten"
)


DELETE_QUESTION = (
    "Möchten Sie Ihren Verlauf wirklich löschen?\n"
    "Ich lösche dann unser Gespräch, Ihre Bewertungen, Ihre Rückrufbitten, Ihre gespeicherten Listen, "
    "Ihre Einstellungen und die Erinnerungen an Termine. "
    "Gebuchte Termine bleiben bestehen."
)
DELETED = (
    "Erledigt. Ich habe Ihren Verlauf gelöscht. Gebuchte Termine bleiben bestehen, "
    "aber ich erinnere Sie nicht mehr daran. Sie können jederzeit neu fragen."
)
DELETE_CANCELLED = "Gut, ich lösche nichts."
DELETE_FAILED = "Das Löschen hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal."

VOICE_ON = "Gut. Wenn Sie mir eine Sprachnachricht schicken, antworte ich auch mit Sprache."
VOICE_OFF = "Gut. Ich antworte nur noch mit Text. Mit /stimme an schalten Sie die Sprachantworten wieder ein."


def voice_usage(enabled: bool) -> str:
    state = "an" if enabled else "aus"
    return f"Sprachantworten sind gerade {state}. Schreiben Sie /stimme an oder /stimme aus."


UNDERSTOOD = "Ich habe verstanden: „{text}“"
VOICE_TOO_LARGE = (
    "Die Sprachnachricht ist leider zu lang. Bitte sprechen Sie kürzer oder schreiben Sie Ihre Frage."
)
VOICE_DOWNLOAD_FAILED = (
    "Ich konnte die Sprachnachricht nicht laden. Bitte schicken Sie sie noch einmal oder schreiben Sie Ihre Frage."
)

RASA_DOWN = (
    "Ich bin gerade nicht erreichbar. Ich habe mir Ihre Nachricht gemerkt und antworte, "
    "sobald ich wieder da bin. Sie müssen nichts tun."
)
RASA_ERROR = "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal."


def outage(phone: str) -> str:
    """A turn could not be answered or stored (an action or a database failed)."""
    call = f" Wenn es eilt, rufen Sie uns an: {phone}." if phone else ""
    return ("Gerade gibt es eine Störung, deshalb konnte ich Ihre Nachricht nicht bearbeiten. "
            "Bitte schicken Sie sie in einer Minute noch einmal." + call)
NO_ANSWER = "Dazu kann ich leider nichts sagen. Bitte formulieren Sie Ihre Frage etwas anders."
INTERNAL_ERROR = "Entschuldigung, da ist etwas schiefgegangen. Bitte versuchen Sie es noch einmal."
ONLY_TEXT = "Ich verstehe Text und Sprachnachrichten. Bitte schreiben Sie Ihre Frage oder sprechen Sie sie ein."
MESSAGE_TOO_LONG = ("Ihre Nachricht ist zu lang (höchstens {limit} Zeichen). Bitte stellen Sie Ihre Frage kürzer "
                    "oder in mehreren Nachrichten.")
UNKNOWN_COMMAND = "Diesen Befehl kenne ich nicht. Schreiben Sie Ihre Frage einfach als Text – oder /hilfe."
BUTTONS_ONLY = "Bitte wählen Sie:"
BUTTON_EXPIRED = "Dieser Knopf ist veraltet. Bitte stellen Sie Ihre Frage noch einmal."
FEEDBACK_THANKS = "Danke für Ihre Rückmeldung!"


def outbox_answer_intro(text: str) -> str:
    return f"Ich bin wieder erreichbar. Hier ist meine Antwort auf Ihre Nachricht „{shorten(text)}“:"


def outbox_expired(text: str) -> str:
    return (
        f"Ich war leider zu lange nicht erreichbar und konnte Ihre Nachricht „{shorten(text)}“ nicht beantworten. "
        "Bitte schicken Sie sie noch einmal."
    )


def shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
