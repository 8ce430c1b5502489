"""The web channel's conversation credential (see assistant/security/identity.py).

Same-site pages keep it in an HttpOnly cookie; a widget on another origin sends the
``X-Conversation-Token`` header (an empty value asks for a new conversation) and gets the
credential back in the same response header. The client never names a sender.
"""
from __future__ import annotations

from typing import Optional

from aiohttp import web

from assistant.security.identity import COOKIE_NAME, HEADER_NAME, Conversation, ConversationSigner

SIGNER = web.AppKey("conversation_signer", ConversationSigner)
COOKIE_MAX_AGE = 180 * 24 * 3600


def uses_header(request: web.Request) -> bool:
    return HEADER_NAME in request.headers


def current(request: web.Request) -> Optional[Conversation]:
    """The conversation this request proves it owns, or None."""
    signer = request.app[SIGNER]
    if uses_header(request):
        value = request.headers.get(HEADER_NAME, "").removeprefix("Bearer ").strip()
        return signer.verify(value)
    return signer.verify(request.cookies.get(COOKIE_NAME))


def current_or_new(request: web.Request) -> Conversation:
    return current(request) or request.app[SIGNER].new()


def hand_out(request: web.Request, response: web.StreamResponse, conv: Conversation, secure: bool) -> None:
    """Give a newly issued credential to the client (cookie or header, whichever it uses)."""
    if not conv.issued:
        return
    token = request.app[SIGNER].token(conv)
    if uses_header(request):
        response.headers[HEADER_NAME] = token
    else:
        response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, path="/", httponly=True,
                            samesite="Lax", secure=secure)


def forget(request: web.Request, response: web.StreamResponse, secure: bool) -> None:
    """After deletion: the old credential is worthless; drop the cookie."""
    if not uses_header(request):
        response.del_cookie(COOKIE_NAME, path="/")
        # del_cookie keeps no attributes; set them so browsers accept the expiry under SameSite
        response.cookies[COOKIE_NAME]["httponly"] = True
        response.cookies[COOKIE_NAME]["samesite"] = "Lax"
        if secure:
            response.cookies[COOKIE_NAME]["secure"] = True
