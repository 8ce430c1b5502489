"""Retrain -> check -> publish pipeline, failure handling and rollback (fake commands, fake Rasa)."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from assistant.config import Settings
from assistant.curation.models import TrainingRun
from assistant.curation.settings import curation_settings
from assistant.curation.training import AlreadyRunning, TrainingManager

from .conftest import StaffEnv
from .fake_rasa import LOADED, STATUS, TOKEN, fake_rasa_app


async def _manager(env: StaffEnv, fail_publish: bool = False):
    rasa = TestServer(fake_rasa_app(str(env.models_dir / "current.tar.gz"), fail_publish))
    await rasa.start_server()
    settings = Settings().model_copy(update={"rasa_url": str(rasa.make_url("")).rstrip("/"), "rasa_token": TOKEN})
    return TrainingManager(settings, curation_settings(), env.sessionmaker()), rasa


async def _wait(manager: TrainingManager, run_id: int, env: StaffEnv) -> TrainingRun:
    for _ in range(600):
        if not manager.running():
            break
        await asyncio.sleep(0.1)
    with env.sessionmaker()() as session:
        return session.get(TrainingRun, run_id)


async def test_train_check_publish_and_rollback(staff_env: StaffEnv) -> None:
    manager, rasa = await _manager(staff_env)
    try:
        old = str((staff_env.models_dir / "model-old.tar.gz").resolve())
        run_id = await manager.start("adam")
        with pytest.raises(AlreadyRunning):
            await manager.start("adam")
        run = await _wait(manager, run_id, staff_env)
        log = Path(run.log_path).read_text(encoding="utf-8")
        assert run.status == "published", log
        new = str((staff_env.models_dir / "model-new.tar.gz").resolve())
        assert run.model_path == new and run.previous_model == old
        assert rasa.app[LOADED] == [new]
        assert "Trainingsdaten ok" in log and "Testgespräche ok" in log and "Epoche 3" in log
        assert os.readlink(staff_env.models_dir / "current.tar.gz") == "model-new.tar.gz"
        assert manager.rollback_target() == old

        back_id = await manager.start("adam", "rollback")
        back = await _wait(manager, back_id, staff_env)
        assert back.status == "published" and back.kind == "rollback"
        assert rasa.app[LOADED] == [new, old]
        assert (staff_env.models_dir / "current.tar.gz").resolve() == Path(old)
        assert manager.rollback_target() == new  # and forward again
    finally:
        await rasa.close()


@pytest.mark.parametrize("variable, value, step", [
    ("FAKE_TRAIN_FAIL", "1", "train"),
    ("ASSISTANT_VALIDATE_COMMAND", "python3 -c \"import sys; print('Fehler in data/nlu'); sys.exit(1)\"", "validate"),
    ("ASSISTANT_STORY_TEST_COMMAND", "python3 -c \"import sys; sys.exit(1)\" {model} {stories}", "test"),
])
async def test_failed_check_does_not_publish(staff_env: StaffEnv, monkeypatch: pytest.MonkeyPatch,
                                             variable: str, value: str, step: str) -> None:
    monkeypatch.setenv(variable, value)
    manager, rasa = await _manager(staff_env)
    try:
        run = await _wait(manager, await manager.start("adam"), staff_env)
        assert run.status == "failed" and run.step == step
        assert "nicht veröffentlicht" in run.message.lower() or "fehlgeschlagen" in run.message
        assert rasa.app[LOADED] == []
        # a restart would still run the published model
        assert (staff_env.models_dir / "current.tar.gz").resolve().name == "model-old.tar.gz"
    finally:
        await rasa.close()


async def test_rasa_refuses_model(staff_env: StaffEnv) -> None:
    manager, rasa = await _manager(staff_env, fail_publish=True)
    try:
        run = await _wait(manager, await manager.start("adam"), staff_env)
        assert run.status == "failed" and run.step == "publish" and "HTTP 500" in run.message
        assert (staff_env.models_dir / "current.tar.gz").resolve().name == "model-old.tar.gz"
    finally:
        await rasa.close()


async def test_interrupted_runs_are_marked(staff_env: StaffEnv) -> None:
    from assistant.curation.models import utcnow

    with staff_env.sessionmaker()() as session:
        session.add(TrainingRun(kind="train", started_by="x", started_at=utcnow(), status="running", step="train",
                                message="", log_path="/nonexistent"))
        session.commit()
    manager, rasa = await _manager(staff_env)
    try:
        with pytest.raises(AlreadyRunning):
            await manager.start("adam")
        manager.mark_interrupted()
        run_id = await manager.start("adam")
        assert (await _wait(manager, run_id, staff_env)).status == "published"
    finally:
        await rasa.close()


async def test_publish_reaches_every_replica(staff_env: StaffEnv) -> None:
    """Scaled profile: ASSISTANT_RASA_REPLICA_URLS lists two Rasa servers; both load the model,
    and one that refuses makes the run fail with a message naming the split."""
    first = TestServer(fake_rasa_app(str(staff_env.models_dir / "current.tar.gz")))
    second = TestServer(fake_rasa_app(str(staff_env.models_dir / "current.tar.gz")))
    await first.start_server()
    await second.start_server()
    try:
        urls = [str(s.make_url("")).rstrip("/") for s in (first, second)]
        settings = Settings().model_copy(update={"rasa_url": urls[0], "rasa_replica_urls_raw": ",".join(urls),
                                                 "rasa_token": TOKEN})
        manager = TrainingManager(settings, curation_settings(), staff_env.sessionmaker())
        run = await _wait(manager, await manager.start("adam"), staff_env)
        new = str((staff_env.models_dir / "model-new.tar.gz").resolve())
        assert run.status == "published"
        assert first.app[LOADED] == [new] and second.app[LOADED] == [new]

        second.app[STATUS]["fail"] = True
        back = await _wait(manager, await manager.start("adam", "rollback"), staff_env)
        assert back.status == "failed" and "1 von 2" in back.message
    finally:
        await first.close()
        await second.close()
