"""``StrictSQLTrackerStore`` and the ``rasa_addons.serve`` launcher in the real Rasa environment."""
from __future__ import annotations


import pytest

from .conftest import run_rasa_check



@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_rasa_check("rasa_tracker_check.py", tmp_path_factory)


def test_store_is_created_from_endpoints_and_round_trips(check: dict) -> None:
    assert check["class"] == "StrictSQLTrackerStore" and check["roundtrip"] == ["Hallo"] and check["ping"]


def test_invalid_sender_ids_raise_instead_of_exiting(check: dict) -> None:
    """A NUL sender made Rasa's SQLTrackerStore call sys.exit (via ValueError) on PostgreSQL."""
    assert (check["nul"], check["long"], check["space"]) == ("raised", "raised", "raised")


def test_launcher_skips_the_fail_safe_wrapper_only_for_strict_stores(check: dict) -> None:
    assert check["wrapped_before"] is True
    assert check["wrapped_after"] is False
    assert check["plain_still_wrapped"] is True
