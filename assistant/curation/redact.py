"""Redaction for staff screens and training data: the shared module :mod:`assistant.redaction`
(also used by the Rasa tracker store and the log filter), re-exported under its old name."""
from __future__ import annotations

from assistant.redaction import PLACEHOLDER_RE, PLACEHOLDERS, has_placeholder, redact

__all__ = ["PLACEHOLDERS", "PLACEHOLDER_RE", "has_placeholder", "redact"]
