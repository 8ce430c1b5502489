"""Public holidays per federal state (Sachsen-Anhalt is the county's state)."""
from __future__ import annotations

import datetime as dt

import pytest

from assistant.kb.holidays import easter_sunday, public_holidays

D = dt.date


@pytest.mark.parametrize("year, expected", [
    (2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)), (2027, D(2027, 3, 28)),
    (2038, D(2038, 4, 25)), (2285, D(2285, 3, 22)),
])
def test_easter_sunday(year, expected):
    assert easter_sunday(year) == expected
    assert expected.weekday() == 6


def test_sachsen_anhalt_2026():
    days = public_holidays(2026, "ST")
    assert days[D(2026, 1, 6)] == "Heilige Drei Könige"
    assert days[D(2026, 4, 3)] == "Karfreitag"
    assert days[D(2026, 4, 6)] == "Ostermontag"
    assert days[D(2026, 5, 14)] == "Christi Himmelfahrt"
    assert days[D(2026, 5, 25)] == "Pfingstmontag"
    assert days[D(2026, 10, 31)] == "Reformationstag"
    assert D(2026, 11, 18) not in days  # Buß- und Bettag: only Sachsen
    assert D(2026, 6, 4) not in days  # Fronleichnam: not in ST
    assert D(2026, 11, 1) not in days  # Allerheiligen: not in ST
    assert len(days) == 11


@pytest.mark.parametrize("year, day", [(2022, D(2022, 11, 16)), (2024, D(2024, 11, 20)), (2025, D(2025, 11, 19)),
                                       (2026, D(2026, 11, 18))])
def test_buss_und_bettag_only_in_sachsen(year, day):
    assert public_holidays(year, "SN")[day] == "Buß- und Bettag"
    assert day.weekday() == 2  # a Wednesday
    assert D(year, 11, 16) <= day <= D(year, 11, 22)
    assert day not in public_holidays(year, "ST")
    assert day not in public_holidays(year, "BY")


def test_state_specific_days():
    assert D(2026, 1, 6) not in public_holidays(2026, "SN")
    assert D(2026, 6, 4) in public_holidays(2026, "BY")  # Fronleichnam
    assert D(2026, 3, 8) in public_holidays(2026, "BE")
    assert D(2026, 9, 20) in public_holidays(2026, "TH")
    assert D(2026, 10, 31) not in public_holidays(2026, "NW")
