"""iCalendar (.ics) file for an appointment, with the Europe/Berlin time zone (RFC 5545)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from assistant.kb.schema import Office

VTIMEZONE_BERLIN = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets."""
    out, raw = [], line.encode("utf-8")
    while len(raw) > 75:
        cut = 75
        while (raw[cut] & 0xC0) == 0x80:  # don't split a UTF-8 sequence
            cut -= 1
        out.append(raw[:cut].decode("utf-8"))
        raw = b" " + raw[cut:]
    out.append(raw.decode("utf-8"))
    return "\r\n".join(out)


def appointment_ics(code: str, office: Office, service_name: str, start: dt.datetime, end: dt.datetime,
                    checklist: list[str], tz: ZoneInfo, stamp: dt.datetime) -> str:
    local_fmt = "%Y%m%dT%H%M%S"
    desc = f"Buchungscode: {code}\nBitte mitbringen:\n" + "\n".join(f"- {c}" for c in checklist)
    desc += f"\nAbsagen: im Chat „Termin absagen“ und den Code {code} nennen. Telefon: {office.phone}"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Buergerassistent//DE", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
    ]
    body = "\r\n".join(lines) + "\r\n" + VTIMEZONE_BERLIN
    event = [
        "BEGIN:VEVENT",
        f"UID:{code}@buergerassistent",
        f"DTSTAMP:{stamp.astimezone(dt.timezone.utc).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;TZID={tz.key}:{start.astimezone(tz).strftime(local_fmt)}",
        f"DTEND;TZID={tz.key}:{end.astimezone(tz).strftime(local_fmt)}",
        f"SUMMARY:{_escape(f'Termin: {service_name} ({office.name})')}",
        f"LOCATION:{_escape(f'{office.name}, {office.address.street}, {office.address.postcode} {office.address.city}')}",
        f"DESCRIPTION:{_escape(desc)}",
        "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Termin morgen", "TRIGGER:-P1D", "END:VALARM",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return body + "\r\n".join(_fold(line) for line in event) + "\r\n"
