"""Secrets that must survive restarts but need no operator: generated once into ``var/secrets/``.

An explicitly configured value (environment variable) always wins; otherwise a random value is
created with mode 0600 and reused by every process that shares the var directory (run.py starts
Rasa, the web server and the bridge with the same ``ASSISTANT_VAR_DIR``).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret_file(var_dir: Path, name: str) -> Path:
    return Path(var_dir) / "secrets" / name


def get_or_create(var_dir: Path, name: str, configured: str = "", nbytes: int = 32) -> str:
    """``configured`` if set, else the value stored under var/secrets/<name> (created if missing)."""
    if configured:
        return configured
    path = secret_file(var_dir, name)
    if path.is_file():
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value)
    try:
        os.link(tmp, path)  # atomic and never overwrites: two processes starting at once agree
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
