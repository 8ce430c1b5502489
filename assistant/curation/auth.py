"""Staff accounts: argon2id password hashes, lockout, server-side sessions, CSRF tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.curation.models import StaffSession, StaffUser, as_utc, utcnow

ROLES = ("editor", "admin")
ROLE_LABELS = {"editor": "Redaktion", "admin": "Verwaltung"}
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_dummy_hash: Optional[str] = None


class AuthError(ValueError):
    """Invalid input for an account (message in German, shown to staff)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    return _dummy_hash


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise AuthError("Der Benutzername darf nur Kleinbuchstaben, Ziffern, Punkt, Bindestrich und Unterstrich "
                        "enthalten (2 bis 64 Zeichen).")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")
    if len(password) > 1024:
        raise AuthError("Das Passwort ist zu lang.")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError("Unbekannte Rolle; erlaubt sind editor und admin.")
    return role


def get_user(session: Session, username: str) -> Optional[StaffUser]:
    return session.scalars(select(StaffUser).where(StaffUser.username == (username or "").strip().lower())).first()


def create_user(session: Session, username: str, password: str, role: str = "editor") -> StaffUser:
    name = check_username(username)
    check_password(password)
    check_role(role)
    if get_user(session, name) is not None:
        raise AuthError(f"Den Benutzer '{name}' gibt es schon.")
    user = StaffUser(username=name, password_hash=hash_password(password), role=role, active=True,
                     failed_logins=0, created_at=utcnow())
    session.add(user)
    session.commit()
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    check_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    session.commit()


def is_locked(user: StaffUser, now: Optional[dt.datetime] = None) -> bool:
    until = as_utc(user.locked_until)
    return until is not None and until > (now or utcnow())


@dataclass
class LoginResult:
    user: Optional[StaffUser]
    error: str = ""
    locked: bool = False


WRONG_LOGIN = "Benutzername oder Passwort ist falsch."
LOCKED = (f"Nach {MAX_FAILED_LOGINS} falschen Versuchen ist dieser Zugang für {LOCK_MINUTES} Minuten gesperrt. "
          "Bitte warten Sie und versuchen Sie es dann noch einmal.")


def authenticate(session: Session, username: str, password: str, now: Optional[dt.datetime] = None) -> LoginResult:
    """Check a login. Five wrong passwords lock the account for 15 minutes (also for the right one)."""
    now = now or utcnow()
    user = get_user(session, username)
    if user is None or not user.active:
        try:
            _hasher.verify(_dummy(), password or "")  # same work as for a real account
        except VerificationError:
            pass
        return LoginResult(None, WRONG_LOGIN)
    if is_locked(user, now):
        return LoginResult(None, LOCKED, locked=True)
    if user.locked_until is not None:  # lock expired: start counting again
        user.locked_until = None
        user.failed_logins = 0
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        locked = user.failed_logins >= MAX_FAILED_LOGINS
        if locked:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        session.commit()
        return LoginResult(None, LOCKED if locked else WRONG_LOGIN, locked=locked)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = now
    session.commit()
    return LoginResult(user)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(session: Session, user: StaffUser, hours: float, now: Optional[dt.datetime] = None) -> tuple[str, StaffSession]:
    """A new login session; returns the cookie token (only its hash is stored)."""
    now = now or utcnow()
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    row = StaffSession(token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                       created_at=now, expires_at=now + dt.timedelta(hours=hours))
    session.add(row)
    session.commit()
    return token, row


def load_session(session: Session, token: Optional[str], now: Optional[dt.datetime] = None
                 ) -> Optional[tuple[StaffSession, StaffUser]]:
    if not token or len(token) > 200:
        return None
    row = session.get(StaffSession, token_hash(token))
    if row is None:
        return None
    if as_utc(row.expires_at) <= (now or utcnow()):  # type: ignore[operator]
        session.delete(row)
        session.commit()
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
        session.commit()


def csrf_ok(expected: Optional[str], given: Optional[str]) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
