"""Dependencies point downward: channels/web/staff/actions -> dialogue/answers/domain -> kb/config.

The check reads every module's imports (also the ones inside functions) with ``ast``; command-line
entry points (``cli.py``, ``__main__.py``) may import anything, since nothing imports them.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# lower number = lower layer; a module may import its own layer or lower ones
LAYERS = {
    "assistant.config": 0, "assistant.db": 0, "assistant.formatting": 0, "assistant.kb": 0, "assistant.security": 0,
    "assistant.answers": 1, "assistant.booking": 1, "assistant.checklist": 1, "assistant.dialogue": 1,
    "assistant.voice": 1, "assistant.privacy": 1, "assistant.feedback": 1,
    "assistant.actions": 2, "assistant.web": 2, "assistant.curation": 2, "channels": 2,
}
# the Rasa SDK adapter layer is the only one that may import Rasa, and nobody imports it
RASA_FREE = ("assistant.answers", "assistant.dialogue", "assistant.kb", "assistant.booking", "assistant.checklist")


def _package(module: str) -> str | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def _modules() -> list[tuple[str, Path]]:
    out = []
    for base in ("assistant", "channels"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if path.name in ("cli.py", "__main__.py") or path.parent.name == "__pycache__":
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out.append((".".join(parts), path))
    return out


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = _modules()


def test_the_check_sees_the_packages():
    names = {m for m, _ in MODULES}
    assert "assistant.kb.loader" in names and "assistant.web.app" in names and "channels.telegram.bridge" in names


def violations(module: str, imports: set[str]) -> list[str]:
    """The imports of ``module`` that point upward or into the Rasa adapter layer."""
    own = _package(module)
    wrong = []
    for imported in sorted(imports):
        target = _package(imported)
        if own is None or target is None or target == own:
            continue
        if LAYERS[target] > LAYERS[own]:
            wrong.append(f"{imported} (layer {LAYERS[target]}) from layer {LAYERS[own]}")
        elif target == "assistant.actions":
            wrong.append(f"{imported}: only Rasa loads the actions")
    return wrong


def test_upward_imports_are_found():
    assert violations("assistant.kb.views", {"assistant.web.app", "assistant.config"}) == [
        "assistant.web.app (layer 2) from layer 0"]
    assert violations("assistant.web.app", {"assistant.actions.common"}) == [
        "assistant.actions.common: only Rasa loads the actions"]
    assert violations("assistant.actions.offices", {"assistant.answers.offices", "assistant.kb"}) == []


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_downward(module: str, path: Path):
    wrong = violations(module, _imports(path))
    assert not wrong, f"{module} imports upward: {wrong}"


@pytest.mark.parametrize("module,path", [(m, p) for m, p in MODULES if m.startswith(RASA_FREE)],
                         ids=[m for m, _ in MODULES if m.startswith(RASA_FREE)])
def test_domain_layers_do_not_import_rasa(module: str, path: Path):
    rasa = sorted(i for i in _imports(path) if i.split(".")[0] in ("rasa", "rasa_sdk"))
    assert not rasa, f"{module} imports {rasa}"
