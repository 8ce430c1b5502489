#!/usr/bin/env bash
# Debian packages the project needs. Idempotent; needs root (or sudo).
set -euo pipefail
PKGS=(chromium espeak-ng sox postgresql redis-server nginx-light)
VOICE_PKG=libttspico-utils
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${PKGS[@]}" "$VOICE_PKG"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && { echo "all system packages present"; exit 0; }

# SVOX Pico lives in Debian's non-free component.
if ! grep -rqs "non-free" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    $SUDO sed -i -E '/^Components:/{/non-free( |$)/! s/$/ non-free/}' /etc/apt/sources.list.d/debian.sources
  elif [ -f /etc/apt/sources.list ]; then
    $SUDO sed -i -E '/^deb .*debian/{/non-free( |$)/! s/$/ non-free/}' /etc/apt/sources.list
  fi
fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$VOICE_PKG" >/dev/null; then
  echo "WARNING: $VOICE_PKG (SVOX Pico, Debian non-free) not installable; speech output falls back to espeak-ng" >&2
fi
