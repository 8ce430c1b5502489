"""Retrain, check and publish a Rasa model from the staff area (admin only), and roll back.

Steps of a run (each a subprocess in the project folder, output appended to one log file):
  1. train     ``bash scripts/train.sh`` with FORCE_TRAIN=0 (reuses a model if nothing changed)
  2. validate  ``rasa data validate``
  3. test      ``rasa test core --stories <tests/test_stories*.yml + kb/municipalities/*/tests.yml>
               --fail-on-prediction-errors``
  4. publish   PUT {rasa_url}/model {"model_file": <new model>} (the running Rasa loads it)
Only if 2 and 3 pass is the model published. The model Rasa ran before is remembered; a
rollback PUTs that file again. models/current.tar.gz follows what is published, so a restart
runs the same model.
"""
from __future__ import annotations

import asyncio
import glob
import logging
import os
import re
import shlex
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Optional

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.config import ROOT, Settings
from assistant.curation.models import TrainingRun, utcnow
from assistant.curation.settings import CurationSettings

logger = logging.getLogger(__name__)

STEPS = (("train", "Training"), ("validate", "Trainingsdaten prüfen"), ("test", "Testgespräche prüfen"),
         ("publish", "Veröffentlichen"))
STEP_LABELS = dict(STEPS) | {"rollback": "Zurück zur vorherigen Version", "": "Start"}
STATUS_LABELS = {"running": "läuft", "published": "veröffentlicht", "failed": "fehlgeschlagen",
                 "interrupted": "abgebrochen"}
TRAIN_TIMEOUT = 3 * 3600
CHECK_TIMEOUT = 3600
PUBLISH_TIMEOUT = 900
MODEL_RE = re.compile(r"(models/[\w.\-]+\.tar\.gz)")


class AlreadyRunning(Exception):
    pass


def tail(path: Path, lines: int = 60, max_bytes: int = 64_000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


class TrainingManager:
    """One run at a time per web server process; state in the ``training_run`` table."""

    def __init__(self, settings: Settings, csettings: CurationSettings, sm: sessionmaker):
        self.settings = settings
        self.csettings = csettings
        self.sm = sm
        self.log_dir = settings.var_dir / "staff"
        self._task: Optional[asyncio.Task] = None
        self._proc: Optional[asyncio.subprocess.Process] = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ state

    def mark_interrupted(self) -> None:
        """Runs left 'running' by a previous server process cannot finish any more."""
        with self.sm() as session:
            for run in session.scalars(select(TrainingRun).where(TrainingRun.status == "running")):
                run.status, run.finished_at = "interrupted", utcnow()
                run.message = "Der Webserver wurde neu gestartet; der Lauf wurde abgebrochen."
            session.commit()

    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _update(self, run_id: int, **fields: object) -> None:
        with self.sm() as session:
            run = session.get(TrainingRun, run_id)
            if run is not None:
                for k, v in fields.items():
                    setattr(run, k, v)
                session.commit()

    def _log(self, path: Path, line: str) -> None:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line.rstrip("\n") + "\n")

    def latest_published(self) -> Optional[TrainingRun]:
        with self.sm() as session:
            return session.scalars(select(TrainingRun).where(TrainingRun.status == "published")
                                   .order_by(TrainingRun.id.desc())).first()

    def rollback_target(self) -> Optional[str]:
        run = self.latest_published()
        if run and run.previous_model and run.previous_model != run.model_path and Path(run.previous_model).is_file():
            return run.previous_model
        return None

    # ------------------------------------------------------------ start

    async def start(self, user: str, kind: str = "train") -> int:
        async with self._lock:
            if self.running():
                raise AlreadyRunning()
            with self.sm() as session:
                if session.scalars(select(TrainingRun).where(TrainingRun.status == "running")).first():
                    raise AlreadyRunning()
                self.log_dir.mkdir(parents=True, exist_ok=True)
                run = TrainingRun(kind=kind, started_by=user, started_at=utcnow(), status="running", step="",
                                  message="", log_path="")
                session.add(run)
                session.flush()
                run.log_path = str(self.log_dir / f"{kind}-{run.id}.log")
                session.commit()
                run_id, log_path = run.id, Path(run.log_path)
            log_path.write_text("", encoding="utf-8")
            coro = self._rollback(run_id, log_path) if kind == "rollback" else self._pipeline(run_id, log_path)
            self._task = asyncio.get_running_loop().create_task(coro)
            return run_id

    # ------------------------------------------------------------ helpers

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"FORCE_TRAIN": "0", "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                    "PYTHONUNBUFFERED": "1",
                    "PYTHONPATH": str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")})
        return env

    async def _run(self, argv: list[str], log_path: Path, timeout: float) -> int:
        self._log(log_path, "$ " + " ".join(shlex.quote(a) for a in argv))
        with open(log_path, "ab") as log:
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    *argv, cwd=str(ROOT), env=self._env(), stdin=asyncio.subprocess.DEVNULL, stdout=log,
                    stderr=asyncio.subprocess.STDOUT, start_new_session=True)
            except OSError as exc:
                self._log(log_path, f"Befehl konnte nicht gestartet werden: {exc}")
                return 127
            try:
                return await asyncio.wait_for(self._proc.wait(), timeout)
            except asyncio.TimeoutError:
                self._kill()
                self._log(log_path, f"Abgebrochen: länger als {timeout / 60:.0f} Minuten.")
                return 124
            finally:
                self._proc = None

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _link(self) -> Path:
        return self.csettings.models_dir / "current.tar.gz"

    def _point_current_to(self, model: Optional[str]) -> None:
        """Let models/current.tar.gz (a symlink) point to ``model``; a regular file is left alone."""
        link = self._link()
        if not model or (link.exists() and not link.is_symlink()):
            return
        target = Path(model)
        rel = os.path.relpath(target, link.parent) if target.parent.resolve() == link.parent.resolve() else str(target)
        tmp = link.with_name(f".current-{os.getpid()}.tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(rel, tmp)
        os.replace(tmp, link)

    def _rasa_auth(self) -> dict[str, str]:
        """Rasa's API token (``rasa run --auth-token``) as the query parameter Rasa expects; never logged."""
        return {"token": self.settings.effective_rasa_token}

    async def _rasa_model(self) -> Optional[str]:
        """The model file the running Rasa reports (resolved), or None."""
        url = self.settings.rasa_url.rstrip("/") + "/status"
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(url, params=self._rasa_auth(), timeout=aiohttp.ClientTimeout(total=5)) as resp:
                    if resp.status != 200:
                        return None
                    data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        raw = data.get("model_file") if isinstance(data, dict) else None
        if not raw:
            return None
        for candidate in (Path(raw), ROOT / raw, self.csettings.models_dir / Path(raw).name):
            if candidate.is_file():
                return str(candidate.resolve())
        return None

    async def _publish(self, model: str, log_path: Path) -> tuple[bool, str]:
        """Load ``model`` into every Rasa replica (ASSISTANT_RASA_REPLICA_URLS), one after the other,
        so that at most one replica is busy loading while the others answer."""
        urls = self.settings.rasa_replica_urls
        failed: list[str] = []
        for base in urls:
            ok, message = await self._publish_one(base, model, log_path)
            if not ok:
                failed.append(f"{base}: {message}")
        if not failed:
            return True, ""
        if len(urls) == 1:
            return False, failed[0].split(": ", 1)[1]
        return False, (f"Das Modell wurde nur auf {len(urls) - len(failed)} von {len(urls)} Rasa-Servern geladen; "
                       "die Server antworten jetzt unterschiedlich. Bitte erneut veröffentlichen. "
                       + " ".join(failed))

    async def _publish_one(self, base: str, model: str, log_path: Path) -> tuple[bool, str]:
        url = base.rstrip("/") + "/model"
        self._log(log_path, f"PUT {url}  model_file={model}")
        try:
            async with aiohttp.ClientSession() as http:
                async with http.put(url, json={"model_file": model}, params=self._rasa_auth(),
                                    timeout=aiohttp.ClientTimeout(total=PUBLISH_TIMEOUT)) as resp:
                    body = (await resp.text())[:500]
                    if resp.status in (200, 204):
                        self._log(log_path, f"Rasa hat das Modell geladen (HTTP {resp.status}).")
                        return True, ""
                    self._log(log_path, f"Rasa antwortet HTTP {resp.status}: {body}")
                    return False, f"Rasa hat das Modell nicht geladen (HTTP {resp.status})."
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._log(log_path, f"Rasa ist nicht erreichbar: {type(exc).__name__} {exc}")
            return False, "Rasa ist nicht erreichbar. Läuft der Assistent?"

    def _new_model(self, log_path: Path) -> Optional[str]:
        link = self._link()
        if link.exists():
            return str(link.resolve())
        found = MODEL_RE.findall(tail(log_path, 400))
        for rel in reversed(found):
            path = ROOT / rel
            if path.is_file():
                return str(path.resolve())
        return None

    def _argv(self, command: str, **values: str) -> list[str]:
        argv = shlex.split(command)
        return [values.get(a[1:-1], a) if a.startswith("{") and a.endswith("}") else a for a in argv]

    # ------------------------------------------------------------ pipeline

    async def _pipeline(self, run_id: int, log_path: Path) -> None:
        cs = self.csettings
        link = self._link()
        previous = await self._rasa_model() or (str(link.resolve()) if link.exists() else None)
        self._update(run_id, previous_model=previous)
        self._log(log_path, f"Bisheriges Modell: {previous or 'unbekannt'}")
        try:
            self._update(run_id, step="train")
            self._log(log_path, "==> Schritt 1 von 4: Training")
            if await self._run(self._argv(cs.train_command), log_path, TRAIN_TIMEOUT) != 0:
                return self._fail(run_id, log_path, previous, "Das Training ist fehlgeschlagen. Details im Protokoll.")
            model = self._new_model(log_path)
            if not model:
                return self._fail(run_id, log_path, previous, "Nach dem Training wurde kein Modell gefunden.")
            self._update(run_id, model_path=model)
            self._log(log_path, f"Neues Modell: {model}")

            self._update(run_id, step="validate")
            self._log(log_path, "==> Schritt 2 von 4: Trainingsdaten prüfen")
            if await self._run(self._argv(cs.validate_command), log_path, CHECK_TIMEOUT) != 0:
                return self._fail(run_id, log_path, previous,
                                  "Die Prüfung der Trainingsdaten ist fehlgeschlagen. Das Modell wurde nicht veröffentlicht.")

            self._update(run_id, step="test")
            self._log(log_path, "==> Schritt 3 von 4: Testgespräche prüfen")
            stories = sorted({p for pattern in cs.test_stories.split() for p in glob.glob(str(ROOT / pattern))})
            if not stories:
                self._log(log_path, f"Keine Testgespräche gefunden ({cs.test_stories}); dieser Schritt entfällt.")
            else:
                with tempfile.TemporaryDirectory(prefix="stories-") as tmp:
                    for s in stories:
                        # kb/municipalities/<id>/tests.yml -> local_<id>.yml (names must not collide)
                        name = f"local_{Path(s).parent.name}.yml" if Path(s).name == "tests.yml" else Path(s).name
                        shutil.copy(s, Path(tmp) / name)
                    out = self.log_dir / f"test-results-{run_id}"
                    argv = self._argv(cs.story_test_command, model=model, stories=tmp, out=str(out))
                    if await self._run(argv, log_path, CHECK_TIMEOUT) != 0:
                        return self._fail(run_id, log_path, previous,
                                          "Mindestens ein Testgespräch ist fehlgeschlagen. Das Modell wurde nicht veröffentlicht.")

            self._update(run_id, step="publish")
            self._log(log_path, "==> Schritt 4 von 4: Veröffentlichen")
            ok, message = await self._publish(model, log_path)
            if not ok:
                return self._fail(run_id, log_path, previous, message)
            self._point_current_to(model)
            same = previous == model
            self._update(run_id, status="published", finished_at=utcnow(), step="publish",
                         message="Das Modell war schon aktuell und läuft." if same else
                         "Das neue Modell ist veröffentlicht und beantwortet jetzt die Fragen.")
            self._log(log_path, "Fertig: veröffentlicht.")
        except asyncio.CancelledError:
            self._kill()
            self._fail(run_id, log_path, previous, "Der Lauf wurde abgebrochen.", status="interrupted")
            raise
        except Exception as exc:  # never leave a run 'running'
            logger.exception("training run %s crashed", run_id)
            self._fail(run_id, log_path, previous, f"Unerwarteter Fehler: {type(exc).__name__}")

    def _fail(self, run_id: int, log_path: Path, previous: Optional[str], message: str,
              status: str = "failed") -> None:
        try:
            if previous and Path(previous).is_file():
                self._point_current_to(previous)  # a restart keeps running the published model
        except OSError:
            logger.warning("could not restore models/current.tar.gz", exc_info=True)
        self._log(log_path, f"Nicht veröffentlicht: {message}")
        self._update(run_id, status=status, finished_at=utcnow(), message=message)

    async def _rollback(self, run_id: int, log_path: Path) -> None:
        try:
            target = self.rollback_target()
            current = self.latest_published()
            self._update(run_id, step="rollback", model_path=target,
                         previous_model=current.model_path if current else None)
            if not target:
                return self._fail(run_id, log_path, None, "Es gibt keine vorherige Version, zu der ich zurück kann.")
            self._log(log_path, f"==> Zurück zur vorherigen Version: {target}")
            ok, message = await self._publish(target, log_path)
            if not ok:
                return self._fail(run_id, log_path, None, message)
            self._point_current_to(target)
            self._update(run_id, status="published", finished_at=utcnow(),
                         message="Die vorherige Version ist wieder aktiv.")
            self._log(log_path, "Fertig: vorherige Version aktiv.")
        except Exception as exc:
            logger.exception("rollback %s crashed", run_id)
            self._fail(run_id, log_path, None, f"Unerwarteter Fehler: {type(exc).__name__}")

    async def shutdown(self) -> None:
        if self.running():
            assert self._task is not None
            self._kill()
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
