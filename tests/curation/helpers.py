"""Helpers for HTTP-level tests of the staff area (aiohttp test client)."""
from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    m = CSRF_RE.search(page)
    assert m, "no CSRF token on the page"
    return m.group(1)


async def login(client: TestClient, user: str, password: str, expect: int = 303) -> Any:
    page = await (await client.get("/staff/login")).text()
    resp = await client.post("/staff/login", data={"username": user, "password": password,
                                                   "csrf_token": csrf_of(page), "next": ""},
                             allow_redirects=False)
    assert resp.status == expect, await resp.text()
    return resp


async def page_csrf(client: TestClient, path: str = "/staff/inbox") -> str:
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    return csrf_of(await resp.text())
