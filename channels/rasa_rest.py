"""Rasa's REST channel with input checks (configured in credentials.yml; runs inside Rasa).

Rasa's own ``RestInput`` trusts the body: a list instead of an object is an HTTP 500, a missing
or non-string message crashes the turn (empty reply), a lone surrogate cannot be stored in the
tracker, and a 100 KB message keeps the NLU busy for half a minute. This subclass keeps the name
``rest`` (URL ``/webhooks/rest/webhook``) and answers such requests with HTTP 400/413 before
anything reaches the dialogue. The web server and the Telegram bridge check the same rules
earlier, with German messages for residents; this is the line of defence for everything else
on the machine (the REST webhook cannot be protected with Rasa's ``--auth-token``).
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from assistant.security.text import clean_text, is_control_payload

MAX_SENDER_CHARS = 128


def _max_chars() -> int:
    try:
        return int(os.environ.get("ASSISTANT_MAX_MESSAGE_CHARS", "") or 2000)
    except ValueError:
        return 2000


def _body(req: Request) -> Dict[Text, Any]:
    try:
        body = req.json
    except Exception:  # sanic raises InvalidUsage for invalid JSON already; be safe
        raise InvalidUsage("Ungültige Anfrage: kein JSON.") from None
    if not isinstance(body, dict):
        raise InvalidUsage("Ungültige Anfrage: ein JSON-Objekt wird erwartet.")
    return body


class CheckedRestInput(RestInput):
    """REST channel that rejects malformed bodies and cleans the message text."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS or clean_text(sender) != sender:
            raise InvalidUsage("Ungültige Absender-Kennung.")
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("Bitte schreiben Sie eine Nachricht.")
        if len(message) > 4 * _max_chars():
            raise PayloadTooLarge("Die Nachricht ist zu lang.")
        cleaned = clean_text(message)
        if not cleaned:
            raise InvalidUsage("Bitte schreiben Sie eine Nachricht.")
        if len(cleaned) > _max_chars():
            raise PayloadTooLarge("Die Nachricht ist zu lang.")
        if is_control_payload(cleaned):
            raise InvalidUsage("Diesen Befehl kenne ich nicht.")
        return cleaned

    def _extract_input_channel(self, req: Request) -> Text:
        channel = _body(req).get("input_channel")
        return channel if isinstance(channel, str) and channel.isidentifier() and len(channel) <= 32 else self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
