"""The .ics file of an appointment, parsed back (RFC 5545: CRLF, folding, VTIMEZONE, local times)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assistant.booking.ics import appointment_ics

TZ = ZoneInfo("Europe/Berlin")


def unfold(text: str) -> list[str]:
    """Physical lines -> logical lines (a line starting with a space continues the previous one)."""
    out: list[str] = []
    for line in text.split("\r\n"):
        if line.startswith(" ") and out:
            out[-1] += line[1:]
        else:
            out.append(line)
    assert out[-1] == ""  # the file ends with CRLF
    return out[:-1]


def props(lines: list[str], name: str) -> list[tuple[str, str]]:
    """(parameters, value) of every property ``name``."""
    found = []
    for line in lines:
        head, _, value = line.partition(":")
        key, _, params = head.partition(";")
        if key == name:
            found.append((params, value))
    return found


@pytest.fixture()
def ics(kb) -> str:
    office = kb.offices["kleinwalde_buergerbuero"]
    checklist = ["Bisheriger Personalausweis oder Reisepass", "Digitales biometrisches Passbild",
                 "Urkunde über den neuen Namen, zum Beispiel die Eheurkunde; bei Scheidung das Urteil"]
    return appointment_ics("K7M2QP", office, "Personalausweis beantragen", dt.datetime(2026, 11, 3, 9, 0, tzinfo=TZ),
                           dt.datetime(2026, 11, 3, 9, 20, tzinfo=TZ), checklist, TZ,
                           dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ))


def test_lines_are_crlf_and_at_most_75_octets(ics):
    assert "\n" not in ics.replace("\r\n", "")
    for line in ics.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
    assert any(line.startswith(" ") for line in ics.split("\r\n"))  # the long DESCRIPTION is folded


def test_begin_end_pairs_are_balanced_and_nested(ics):
    stack: list[str] = []
    seen = []
    for line in unfold(ics):
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
            seen.append(line[6:])
        elif line.startswith("END:"):
            assert stack and stack.pop() == line[4:], line
    assert stack == []
    assert seen == ["VCALENDAR", "VTIMEZONE", "DAYLIGHT", "STANDARD", "VEVENT", "VALARM"]


def test_event_times_are_local_with_tzid(ics):
    lines = unfold(ics)
    assert props(lines, "DTSTART")[-1] == ("TZID=Europe/Berlin", "20261103T090000")
    assert props(lines, "DTEND")[-1] == ("TZID=Europe/Berlin", "20261103T092000")
    assert props(lines, "DTSTAMP") == [("", "20261102T090000Z")]  # UTC
    assert props(lines, "TZID") == [("", "Europe/Berlin")]
    assert props(lines, "UID") == [("", "K7M2QP@buergerassistent")]
    assert props(lines, "VERSION") == [("", "2.0")]


def test_vtimezone_describes_berlin_dst_rules(ics):
    lines = unfold(ics)
    rules = [v for _, v in props(lines, "RRULE")]
    assert "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in rules and "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in rules
    assert ("", "+0100") in props(lines, "TZOFFSETFROM") and ("", "+0200") in props(lines, "TZOFFSETTO")


def test_text_values_are_escaped_and_complete(ics):
    lines = unfold(ics)
    (_, location), = props(lines, "LOCATION")
    assert location == "Bürgerbüro im Gemeindehaus Kleinwalde\\, Dorfstraße 7\\, 06998 Kleinwalde"
    (_, description), (_, alarm) = props(lines, "DESCRIPTION")  # event, then alarm
    assert alarm
    assert "K7M2QP" in description and "030 23125 400" in description
    assert "\\n- Digitales biometrisches Passbild" in description
    assert "Eheurkunde\\; bei Scheidung" in description  # ';' escaped
    (_, summary), = props(lines, "SUMMARY")
    assert "Personalausweis beantragen" in summary and "Kleinwalde" in summary


def test_folding_never_splits_a_multibyte_character(kb):
    office = kb.offices["kleinwalde_buergerbuero"]
    text = appointment_ics("K7M2QP", office, "Ä" * 200, dt.datetime(2026, 3, 30, 8, tzinfo=TZ),
                           dt.datetime(2026, 3, 30, 8, 20, tzinfo=TZ), ["ü" * 300], TZ, dt.datetime.now(TZ))
    raw = text.encode("utf-8")
    raw.decode("utf-8")  # valid UTF-8 overall
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    (_, summary), = props(unfold(text), "SUMMARY")
    assert "Ä" * 200 in summary


def test_summer_time_appointment_keeps_local_clock_time(kb):
    office = kb.offices["lra_bauamt"]
    start = dt.datetime(2026, 3, 30, 6, 0, tzinfo=dt.timezone.utc)  # 08:00 CEST
    text = appointment_ics("ABC234", office, "Bauantrag", start, start + dt.timedelta(minutes=45), [], TZ,
                           dt.datetime(2026, 3, 28, tzinfo=TZ))
    lines = unfold(text)
    assert props(lines, "DTSTART")[-1] == ("TZID=Europe/Berlin", "20260330T080000")
    assert props(lines, "DTEND")[-1] == ("TZID=Europe/Berlin", "20260330T084500")
