"""Retries for Bot API calls: PTB's rate-limiter hook wraps every request the bot makes.

* HTTP 429 (``telegram.error.RetryAfter``): wait ``retry_after`` seconds (+ a little), then retry.
* Network problems (``NetworkError``/``TimedOut``, but not ``BadRequest``): exponential backoff.
* Everything else (bad request, blocked by the user, ...) is raised at once.

PTB's own ``AIORateLimiter`` needs the ``rate-limiter`` extra, which is not installed; this class
only retries and does not throttle.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import warnings
from typing import Any, Awaitable, Callable, Coroutine, Optional, TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)
T = TypeVar("T")


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, whatever type PTB returns (int or timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class RetryingRateLimiter(BaseRateLimiter[int]):
    """Retry on 429 and on network errors. ``rate_limit_args`` (if given) overrides ``max_retries``."""

    def __init__(self, max_retries: int = 3, base_delay: float = 1.0, max_delay: float = 30.0,
                 max_retry_after: float = 120.0) -> None:
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to clean up."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Optional[int],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt >= retries or wait > self.max_retry_after:
                    raise
                wait += 0.1
                logger.warning("Telegram %s: flood limit, retrying in %.1f s", endpoint, wait)
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt >= retries:
                    raise
                wait = min(self.max_delay, self.base_delay * 2 ** attempt) * (0.8 + 0.4 * random.random())
                logger.warning("Telegram %s: %s, retrying in %.1f s", endpoint, type(exc).__name__, wait)
            attempt += 1
            await asyncio.sleep(wait)


async def with_retries(make_call: Callable[[], Awaitable[T]], retries: int = 3, base_delay: float = 1.0) -> T:
    """Retry ``make_call()`` on network errors (for file downloads, which bypass the rate limiter)."""
    attempt = 0
    while True:
        try:
            return await make_call()
        except BadRequest:
            raise
        except RetryAfter as exc:
            if attempt >= retries:
                raise
            await asyncio.sleep(retry_after_seconds(exc) + 0.1)
        except NetworkError:
            if attempt >= retries:
                raise
            await asyncio.sleep(base_delay * 2 ** attempt)
        attempt += 1
