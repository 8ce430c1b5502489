"""Compatibility entry point: the staff area lives in :mod:`assistant.curation.staff`."""
from assistant.curation.staff.app import create_staff_app, setup_staff_routes
from assistant.curation.staff.common import STATE

__all__ = ["STATE", "create_staff_app", "setup_staff_routes"]
