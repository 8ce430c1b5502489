"""German text-to-speech: SVOX Pico (``pico2wave -l de-DE``), falling back to ``espeak-ng -v de``.

Pico comes from the Debian package ``libttspico-utils`` (component non-free), eSpeak NG from
``espeak-ng``; ``scripts/install_voice_system.sh`` installs both. Text is normalised for speech
(:mod:`assistant.voice.normalize`), capped at ``settings.tts_max_chars`` and synthesised in a
subprocess with a timeout inside a temporary directory that is always removed. Output is WAV or
OGG/Opus bytes.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from assistant.config import Settings, get_settings
from assistant.voice.audio import PcmAudio, encode_ogg_opus, encode_wav, read_wav
from assistant.voice.errors import VoiceInputError, VoiceUnavailableError
from assistant.voice.normalize import normalize_for_speech

log = logging.getLogger(__name__)

AudioFormat = Literal["wav", "ogg"]
FORMATS: tuple[str, ...] = ("wav", "ogg")
PICO_BINARY = "pico2wave"
ESPEAK_BINARY = "espeak-ng"
TIMEOUT_SECONDS = 30.0
EMPTY_TEXT_MESSAGE = "Es gibt keinen Text zum Vorlesen."

_warned_fallback = False
_warn_lock = threading.Lock()


@dataclass(frozen=True)
class Engine:
    """A speech engine found on this machine."""

    name: Literal["pico", "espeak-ng"]
    binary: str


def find_engine() -> Engine:
    """Pico if installed, else eSpeak NG (logging one WARNING per process), else an error."""
    global _warned_fallback
    pico = shutil.which(PICO_BINARY)
    if pico:
        return Engine("pico", pico)
    espeak = shutil.which(ESPEAK_BINARY)
    if espeak:
        with _warn_lock:
            if not _warned_fallback:
                _warned_fallback = True
                log.warning(
                    "%s not found: falling back to %s, which sounds robotic and is harder to understand. "
                    "Install libttspico-utils (scripts/install_voice_system.sh).",
                    PICO_BINARY,
                    ESPEAK_BINARY,
                )
        return Engine("espeak-ng", espeak)
    raise VoiceUnavailableError(
        f"neither {PICO_BINARY} nor {ESPEAK_BINARY} is installed (scripts/install_voice_system.sh)",
        reason="engine",
    )


def limit_text(text: str, max_chars: int) -> str:
    """Cut ``text`` to at most ``max_chars``, preferably after a sentence, else after a word."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    sentence_ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", head)]
    if sentence_ends and sentence_ends[-1] >= max_chars // 2:
        return head[: sentence_ends[-1]].strip()
    space = head.rfind(" ")
    if space >= max_chars // 2:
        return head[:space].rstrip(" ,;:") + "."
    return head


def prepare_text(text: str, max_chars: int, *, normalize: bool = True) -> str:
    """Normalised, capped text ready for the engine; raises :class:`VoiceInputError` if empty."""
    raw = (text or "")[: max_chars * 4]  # bound the normaliser's work on absurd input
    spoken = normalize_for_speech(raw) if normalize else " ".join(raw.split())
    spoken = limit_text(spoken, max_chars)
    if not re.search(r"\w", spoken):
        raise VoiceInputError("nothing to speak", user_message=EMPTY_TEXT_MESSAGE, reason="empty_text")
    return spoken


def _run(command: list[str], *, stdin: Optional[str], cwd: Path, timeout: float) -> None:
    try:
        result = subprocess.run(
            command,
            input=stdin.encode("utf-8") if stdin is not None else None,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise VoiceUnavailableError(f"{command[0]} timed out after {timeout} s", reason="timeout") from exc
    except OSError as exc:
        raise VoiceUnavailableError(f"cannot run {command[0]}: {exc}", reason="engine") from exc
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()[:500]
        raise VoiceUnavailableError(f"{command[0]} exited with {result.returncode}: {detail}", reason="engine")


def synthesize_pcm(
    text: str,
    *,
    settings: Optional[Settings] = None,
    engine: Optional[Engine] = None,
    normalize: bool = True,
    timeout: float = TIMEOUT_SECONDS,
) -> PcmAudio:
    """Speak ``text`` in German and return mono 16-bit PCM (16 kHz for Pico, 22.05 kHz for eSpeak)."""
    settings = settings or get_settings()
    spoken = prepare_text(text, settings.tts_max_chars, normalize=normalize)
    engine = engine or find_engine()
    with tempfile.TemporaryDirectory(prefix="assistant-tts-") as tmp:
        workdir = Path(tmp)
        out = workdir / "speech.wav"
        if engine.name == "pico":
            _run([engine.binary, "-l", "de-DE", "-w", str(out), "--", spoken], stdin=None, cwd=workdir, timeout=timeout)
        else:
            _run([engine.binary, "-v", "de", "-w", str(out), "--stdin"], stdin=spoken, cwd=workdir, timeout=timeout)
        try:
            audio = read_wav(out.read_bytes())
        except (OSError, EOFError, ValueError, wave.Error) as exc:
            raise VoiceUnavailableError(f"{engine.name} wrote no usable WAV: {exc}", reason="engine") from exc
    if len(audio.samples) == 0:
        raise VoiceUnavailableError(f"{engine.name} produced no audio", reason="engine")
    return audio


def encode(audio: PcmAudio, fmt: AudioFormat) -> bytes:
    """Encode PCM as ``wav`` or ``ogg`` (Opus, 48 kHz mono, like a Telegram voice note)."""
    if fmt == "wav":
        return encode_wav(audio)
    if fmt == "ogg":
        return encode_ogg_opus(audio)
    raise ValueError(f"unknown audio format {fmt!r}; use one of {FORMATS}")


def synthesize(text: str, fmt: AudioFormat = "ogg", *, settings: Optional[Settings] = None) -> bytes:
    """Speak ``text`` in German and return the audio as ``wav`` or ``ogg`` bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}; use one of {FORMATS}")
    return encode(synthesize_pcm(text, settings=settings), fmt)
