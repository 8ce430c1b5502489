"""Server-issued conversation identities for the web channel.

The web server, never the client, chooses a conversation id: ``secrets.token_urlsafe(18)``. The
client keeps it as an HMAC-signed credential ``<id>.<mac>`` – in an HttpOnly cookie (same site)
or, for widgets embedded on another origin, as a bearer token in the ``X-Conversation-Token``
header. The Rasa sender is ``web:<id>``: a credential can never name a Telegram chat or another
resident's conversation, because the MAC covers the id and the prefix is added here.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Optional

COOKIE_NAME = "ba_conversation"
HEADER_NAME = "X-Conversation-Token"
WEB_PREFIX = "web:"
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{24}$")


@dataclass(frozen=True)
class Conversation:
    id: str
    issued: bool  # True when created by this request (the response must hand out the credential)

    @property
    def sender(self) -> str:
        return WEB_PREFIX + self.id


class ConversationSigner:
    """Issues and verifies conversation credentials with one server secret."""

    def __init__(self, secret: str):
        if len(secret) < 16:
            raise ValueError("conversation secret too short")
        self._key = hashlib.sha256(b"conversation-id:" + secret.encode()).digest()

    def _mac(self, conv_id: str) -> str:
        digest = hmac.new(self._key, conv_id.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def new(self) -> Conversation:
        return Conversation(secrets.token_urlsafe(18), issued=True)

    def token(self, conv: Conversation) -> str:
        return f"{conv.id}.{self._mac(conv.id)}"

    def verify(self, token: Optional[str]) -> Optional[Conversation]:
        """The conversation a credential stands for, or None if it is missing/forged."""
        if not token or not isinstance(token, str) or len(token) > 100 or "." not in token:
            return None
        conv_id, _, mac = token.partition(".")
        if not _ID_RE.match(conv_id) or not hmac.compare_digest(mac, self._mac(conv_id)):
            return None
        return Conversation(conv_id, issued=False)
