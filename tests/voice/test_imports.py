"""Importing the voice package has no side effects: no model, no engine, no files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_is_cheap_and_side_effect_free(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import assistant.voice.cli, assistant.voice.service, assistant.voice.stt, assistant.voice.tts\n"
        "import assistant.voice.model_files, assistant.voice.normalize, assistant.voice.correction\n"
        "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'av', 'onnxruntime') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "ASSISTANT_WHISPER_MODEL_DIR": str(tmp_path / "model")}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env, timeout=60)
    assert list(tmp_path.iterdir()) == []
