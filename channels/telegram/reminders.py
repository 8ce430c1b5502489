"""Reminder messages on the day before an appointment booked via Telegram.

The booking action stores the Telegram chat id as ``Appointment.reminder_target``;
:func:`send_due_reminders` sends every due reminder once and marks it, so a restart does not
remind twice. Database work runs in a worker thread.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from assistant.booking.service import due_reminders, mark_reminded, utc
from assistant.formatting import date_medium, time_spoken

from .rasa_client import chat_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueReminder:
    id: int
    code: str
    office_id: str
    service_slug: str
    start: dt.datetime  # aware UTC
    target: str


def reminder_text(item: DueReminder, kb: Any, tz: ZoneInfo) -> str:
    """'Erinnerung: Ihr Termin morgen, Dienstag, 1. Dezember, um 9 Uhr …' with office and code."""
    local = item.start.astimezone(tz)
    office = getattr(kb, "offices", {}).get(item.office_id) if kb is not None else None
    service = getattr(kb, "services", {}).get(item.service_slug) if kb is not None else None
    lines = [f"Erinnerung: Ihr Termin morgen, {date_medium(local.date())}, um {time_spoken(local)}."]
    if office is not None:
        address = office.address
        lines.append(f"Ort: {office.name}, {address.street}, {address.postcode} {address.city}")
    else:
        lines.append(f"Ort: {item.office_id}")
    if service is not None:
        lines.append(f"Anliegen: {service.name}")
    lines.append(f"Buchungscode: {item.code}")
    lines.append("")
    lines.append("Bitte denken Sie an Ihre Unterlagen. Wenn Sie nicht kommen können, sagen Sie den Termin bitte ab: "
                 f"Schreiben Sie „Termin absagen {item.code}“.")
    return "\n".join(lines)


def _load_due(sm: sessionmaker, now: dt.datetime, tz: ZoneInfo) -> list[DueReminder]:
    with sm() as session:
        return [DueReminder(a.id, a.code, a.office_id, a.service_slug, utc(a.start), str(a.reminder_target).removeprefix("tg:"))
                for a in due_reminders(session, now, tz)]


def _mark(sm: sessionmaker, appointment_id: int, now: dt.datetime) -> None:
    with sm() as session:
        mark_reminded(session, appointment_id, now)


def _default_kb() -> Any:
    from assistant.kb.provider import get_kb

    return get_kb()


async def send_due_reminders(bot: Bot, sm: sessionmaker, now: dt.datetime, tz: ZoneInfo,
                             kb_loader: Optional[Callable[[], Any]] = None) -> int:
    """Send every due reminder once; returns how many were sent."""
    items = await asyncio.to_thread(_load_due, sm, now, tz)
    if not items:
        return 0
    try:
        kb = await asyncio.to_thread(kb_loader or _default_kb)
    except Exception:  # the reminder is still useful without the office name
        logger.exception("knowledge base not available for reminders")
        kb = None
    sent = 0
    for item in items:
        try:
            chat_id = chat_of(item.target)
        except ValueError:
            logger.warning("appointment %s has an invalid reminder target; skipped", item.id)
            await asyncio.to_thread(_mark, sm, item.id, now)
            continue
        try:
            await bot.send_message(chat_id=chat_id, text=reminder_text(item, kb, tz))
            sent += 1
        except (Forbidden, BadRequest) as exc:  # blocked the bot / chat gone: do not try again
            logger.info("reminder for appointment %s not deliverable: %s", item.id, type(exc).__name__)
        except TelegramError:
            logger.exception("reminder for appointment %s failed; will retry", item.id)
            continue
        await asyncio.to_thread(_mark, sm, item.id, now)
    return sent
