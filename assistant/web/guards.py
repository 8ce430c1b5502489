"""Request guards of the public API: who is the client (behind trusted proxies), is the origin
allowed, is the body JSON and small enough. Each raises ``web.HTTPException`` with German text;
the error middleware turns it into a German JSON error."""
from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

from aiohttp import web

JSON_TYPES = ("application/json",)
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 20


def german_error(cls: type[web.HTTPException], message: str, **kwargs: Any) -> web.HTTPException:
    return cls(text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json", **kwargs)


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:  # type: ignore[name-defined]
    out = []
    for p in proxies:
        try:
            out.append(ipaddress.ip_network(p, strict=False))
        except ValueError as exc:
            raise ValueError(f"ASSISTANT_TRUSTED_PROXIES: {p!r} is not an IP address or network") from exc
    return tuple(out)


def _trusted(addr: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(proxies))


def client_address(request: web.Request, trusted_proxies: tuple[str, ...]) -> str:
    """The resident's address: the peer, or – only if the peer is a configured proxy – the
    right-most ``X-Forwarded-For`` entry that is not itself a trusted proxy."""
    peer = request.remote or "unknown"
    if not trusted_proxies or not _trusted(peer, trusted_proxies):
        return peer
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted_proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side of the proxy: fall back to the proxy
    return peer


def own_origins(request: web.Request, public_url: str) -> set[str]:
    out = {f"{request.scheme}://{request.host}"}
    if public_url:
        parts = urlsplit(public_url)
        out.add(f"{parts.scheme}://{parts.netloc}")
    return out


def check_origin(request: web.Request, public_url: str, allowed: Iterable[str]) -> None:
    """Browsers send ``Origin`` with every cross-site POST/DELETE: only our own site and the
    configured widget origins may call the API. (Clients without Origin are not browsers and
    cannot ride on a resident's cookie.)"""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin in own_origins(request, public_url) or origin in set(allowed):
        return
    raise german_error(web.HTTPForbidden, "Anfragen von dieser Website sind nicht erlaubt.")


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


async def read_limited(request: web.Request, limit: int, too_large: str) -> bytes:
    """The whole body, streamed (chunked uploads too), or 413 as soon as it exceeds ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        raise german_error(web.HTTPRequestEntityTooLarge, too_large, max_size=limit,
                           actual_size=request.content_length)
    buf = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        buf += chunk
        if len(buf) > limit:
            raise german_error(web.HTTPRequestEntityTooLarge, too_large, max_size=limit, actual_size=len(buf))
    return bytes(buf)


async def read_json_object(request: web.Request, limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """A JSON object body: 415 unless ``Content-Type: application/json``, 413 above ``limit``
    bytes, 400 for invalid, non-object or too deeply nested JSON."""
    if request.content_type not in JSON_TYPES:
        raise german_error(web.HTTPUnsupportedMediaType, "Bitte senden Sie die Anfrage als JSON "
                                                         "(Content-Type: application/json).")
    raw = await read_limited(request, limit, "Die Anfrage ist zu groß.")
    # the nesting depth is checked on the text first: json.loads itself recurses
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _nesting(raw) > MAX_JSON_DEPTH:
        raise german_error(web.HTTPBadRequest, "Ungültige Anfrage.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise german_error(web.HTTPBadRequest, "Ungültige Anfrage.") from None
    if not isinstance(body, dict) or _depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise german_error(web.HTTPBadRequest, "Ungültige Anfrage.")
    return body


def _nesting(raw: bytes) -> int:
    """Maximum bracket depth outside strings (a cheap scan, no recursion)."""
    depth = deepest = 0
    in_str = escaped = False
    for b in raw:
        if in_str:
            if escaped:
                escaped = False
            elif b == 0x5C:
                escaped = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def optional_str(body: dict[str, Any], key: str) -> Optional[str]:
    value = body.get(key)
    return value if isinstance(value, str) else None
