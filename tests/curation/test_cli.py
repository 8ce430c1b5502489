"""``assistant staff ...`` and ``assistant callbacks list``."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from assistant.cli import main

from .conftest import StaffEnv


def test_staff_add_and_list(staff_env: StaffEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-sehr-gutes-passwort\n"))
    assert main(["staff", "add", "Anna", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
    assert main(["staff", "add", "bert", "--password-stdin"]) == 1
    assert "mindestens" in capsys.readouterr().err
    prompts = iter(["noch-ein-passwort", "noch-ein-passwort"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(prompts))
    assert main(["staff", "add", "carla"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "anna" in out and "admin" in out and "carla" in out and "editor" in out and "bert" not in out
    from assistant.curation import auth

    with staff_env.sessionmaker()() as session:
        assert auth.authenticate(session, "anna", "ein-sehr-gutes-passwort").user is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-sehr-gutes-passwort\n"))
    assert main(["staff", "add", "anna", "--password-stdin"]) == 1  # exists


def test_callbacks_list(staff_env: StaffEnv, capsys: pytest.CaptureFixture) -> None:
    from assistant.booking.models import CallbackRequest

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with staff_env.sessionmaker()() as session:
        session.add(CallbackRequest(office_id="kleinwalde_buergerbuero", topic="Personalausweis", phone="0171 1234567",
                                    preferred_time="vormittags", created_at=now))
        session.add(CallbackRequest(office_id=None, topic="Hund", phone="030 1234567", preferred_time="egal",
                                    created_at=now, done_at=now))
        session.commit()
    assert main(["callbacks", "list", "--open", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:5] == ["id", "eingang", "amt", "thema", "telefon"]
    assert len(rows) == 2 and rows[1][3] == "Personalausweis" and rows[1][6] == "offen"
    assert main(["callbacks", "list"]) == 0
    out = capsys.readouterr().out
    assert "Personalausweis" in out and "Hund" in out and "erledigt" in out
