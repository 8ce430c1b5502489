"""Replies of the booking conversation."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from assistant import formatting
from assistant.answers.reply import NO, YES, Button, LinkButton, Reply, payload
from assistant.booking.slots import Slot
from assistant.kb.schema import Office


def slot_label(slot_start: dt.datetime) -> str:
    """'Do., 03.12., 9:15 Uhr'."""
    return f"{formatting.date_short(slot_start.date())}, {formatting.time_hm(slot_start)} Uhr"


def slot_long(slot_start: dt.datetime) -> str:
    return f"{formatting.date_medium(slot_start.date())}, um {formatting.time_spoken(slot_start)}"


def offer(office: Office, service_name: str, slots: list[Slot], with_pref: bool) -> Reply:
    if not slots:
        text = (f"{service_name} – {office.name}: Ich finde {'zu Ihrem Wunsch ' if with_pref else ''}"
                "leider keinen freien Termin. Nennen Sie einen anderen Tag oder rufen Sie an: " + office.phone)
        return Reply("utter_booking_offer", text, [Button("So früh wie möglich", payload("inform", option="earliest"))])
    text = (f"Freie Termine – {service_name}, {office.name}:\n"
            "Tippen Sie auf einen Termin. Oder schreiben Sie, wann es Ihnen passt, z. B. „lieber Donnerstag nachmittag“.")
    buttons = [Button(slot_label(s.start), payload("inform", option=f"slot:{s.key}")) for s in slots]
    return Reply("utter_booking_offer", text, buttons)


def confirm(office: Office, service_name: str, start: dt.datetime, place: Optional[str]) -> Reply:
    where = f"{office.name}" + (f" ({place})" if place else "") + f", {office.address.street}, {office.address.city}"
    text = f"Soll ich diesen Termin für Sie buchen?\n{service_name}\n{slot_long(start)}\n{where}"
    return Reply("utter_booking_confirm", text, [Button(f"{YES}, buchen", payload("affirm")),
                                                 Button(f"{NO}, anderer Termin", payload("deny"))])


def done(code: str, office: Office, service_name: str, start: dt.datetime, ics_url: str,
         checklist: list[str], checklist_url: Optional[str]) -> Reply:
    lines = [f"Ihr Termin ist gebucht: {slot_long(start)}, {office.name}.",
             f"Ihr Buchungscode: {code} (bitte aufheben, damit können Sie absagen oder verschieben)."]
    if checklist:
        lines.append("Bitte mitbringen: " + "; ".join(checklist[:6]) + ".")
    buttons = [LinkButton("In den Kalender (.ics)", ics_url)]
    if checklist_url:
        buttons.append(LinkButton("Liste ausdrucken", checklist_url))
    buttons.append(Button("Wie komme ich hin?", payload("ask_directions")))
    return Reply("utter_booking_done", "\n".join(lines), buttons)


def link_out(office: Office, service_name: str, url: str) -> Reply:
    return Reply("utter_booking_link_out",
                 f"{service_name} – {office.name}: Termine buchen Sie direkt über die Terminbuchung des Amtes.",
                 [LinkButton("Termin online buchen", url)])


def no_booking(office: Office, service_name: str) -> Reply:
    return Reply("utter_booking_failed",
                 f"{service_name} – {office.name}: Hier kann ich leider keinen Termin buchen. "
                 f"Bitte rufen Sie an: {office.phone}.")


def taken() -> str:
    return "Dieser Termin wurde gerade vergeben. Hier sind andere freie Termine."
