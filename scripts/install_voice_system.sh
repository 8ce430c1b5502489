#!/usr/bin/env bash
# Install the system packages the voice feature needs (Debian 12 "bookworm"):
#   libttspico-utils  SVOX Pico German voice (pico2wave), Debian component "non-free"
#   espeak-ng         fallback voice (Debian main)
#
# Idempotent: enables the "non-free" component only where it is missing, runs
# apt-get update only when something changed or a package has no candidate, and
# installs only packages that are not installed yet. Must run as root.
#
# Usage: sudo bash scripts/install_voice_system.sh
set -euo pipefail

PACKAGES=(libttspico-utils espeak-ng)
DEB822=/etc/apt/sources.list.d/debian.sources
LEGACY=/etc/apt/sources.list
# Backups live outside sources.list.d (apt would warn about unknown file extensions there).
BACKUP_DIR=/var/backups

log() { printf '[install_voice_system] %s\n' "$*"; }

if [[ "$(id -u)" -ne 0 ]]; then
    log "must run as root (apt-get install)" >&2
    exit 1
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    if is_installed "$pkg"; then
        log "$pkg is already installed – skipping"
    else
        missing+=("$pkg")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    log "nothing to do"
    exit 0
fi

sources_changed=0

# deb822 format (default on Debian 12): add "non-free" to every Components line
# of a stanza whose URIs point at a Debian archive.
if [[ -f "$DEB822" ]]; then
    if awk '
        /^URIs:/ { debian = ($0 ~ /debian/) }
        /^Components:/ && debian && $0 !~ /(^|[[:space:]])non-free([[:space:]]|$)/ { found = 1 }
        END { exit(found ? 0 : 1) }
    ' "$DEB822"; then
        log "enabling component non-free in $DEB822"
        mkdir -p "$BACKUP_DIR"
        cp -p "$DEB822" "$BACKUP_DIR/debian.sources.before-voice"
        awk '
            /^[[:space:]]*$/ { debian = 0 }
            /^URIs:/ { debian = ($0 ~ /debian/) }
            /^Components:/ && debian && $0 !~ /(^|[[:space:]])non-free([[:space:]]|$)/ { $0 = $0 " non-free" }
            { print }
        ' "$BACKUP_DIR/debian.sources.before-voice" > "$DEB822.tmp"
        mv "$DEB822.tmp" "$DEB822"
        sources_changed=1
    else
        log "component non-free already enabled in $DEB822 (or no Debian stanza there)"
    fi
fi

# Legacy one-line format: "deb http://deb.debian.org/debian bookworm main ..."
if [[ -f "$LEGACY" ]] && grep -Eq '^[[:space:]]*deb[[:space:]]+[^#]*debian' "$LEGACY"; then
    if grep -E '^[[:space:]]*deb[[:space:]]+[^#]*debian' "$LEGACY" | grep -Evq '[[:space:]]non-free([[:space:]]|$)'; then
        log "enabling component non-free in $LEGACY"
        mkdir -p "$BACKUP_DIR"
        cp -p "$LEGACY" "$BACKUP_DIR/sources.list.before-voice"
        sed -E '/^[[:space:]]*deb[[:space:]]+[^#]*debian/ { /[[:space:]]non-free([[:space:]]|$)/! s/[[:space:]]*$/ non-free/ }' \
            "$BACKUP_DIR/sources.list.before-voice" > "$LEGACY.tmp"
        mv "$LEGACY.tmp" "$LEGACY"
        sources_changed=1
    else
        log "component non-free already enabled in $LEGACY"
    fi
fi

needs_update=$sources_changed
for pkg in "${missing[@]}"; do
    candidate="$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
    if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
        needs_update=1
    fi
done
if [[ $needs_update -eq 1 ]]; then
    log "running apt-get update"
    apt-get update
fi

log "installing: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || { log "$pkg failed to install" >&2; exit 1; }
done
command -v pico2wave >/dev/null && log "pico2wave: $(command -v pico2wave)"
command -v espeak-ng >/dev/null && log "espeak-ng: $(command -v espeak-ng)"
log "done"
