"""Child-process supervision shared by scripts/run.py and scripts/run_scaled.py.

A child counts as healthy when its process lives *and* it answers its liveness URL over HTTP. A
server whose port stopped listening while the PID lives on (Rasa 3.6 after a NUL sender id made
``SQLTrackerStore`` call ``sys.exit`` inside the event loop) is restarted like a crashed one.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def answers(url: str, timeout: float = 3.0) -> bool:
    """True if ``url`` answers with a status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Child:
    name: str
    cmd: list[str]
    live_url: str | None = None  # liveness probe; None: only the PID is watched
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = None
    ready: bool = False  # answered once since its (re)start: only then do failed probes count
    failures: int = 0
    started_at: float = 0.0
    restarts: list[float] = field(default_factory=list)


class Supervisor:
    """Starts children in their own process groups, restarts them when they die or stop answering."""

    def __init__(self, root: Path, logs: Path, env: dict[str, str], probe_failures: int = 3,
                 probe_timeout: float = 5.0, on_change: Callable[[], None] | None = None) -> None:
        self.root, self.logs, self.env = root, logs, env
        self.children: dict[str, Child] = {}
        self.probe_failures, self.probe_timeout = probe_failures, probe_timeout
        self.on_change = on_change
        logs.mkdir(parents=True, exist_ok=True)

    def spawn(self, child: Child) -> Child:
        log = open(self.logs / f"{child.name}.log", "ab")  # noqa: SIM115 - owned by the child process
        child.proc = subprocess.Popen(child.cmd, cwd=self.root, env=child.env or self.env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        child.ready, child.failures, child.started_at = False, 0, time.monotonic()
        self.children[child.name] = child
        if self.on_change:
            self.on_change()
        return child

    def pids(self) -> dict[str, int]:
        return {n: c.proc.pid for n, c in self.children.items() if c.proc is not None}

    def kill(self, child: Child, sig: int = signal.SIGKILL) -> None:
        if child.proc is not None and child.proc.poll() is None:
            try:
                os.killpg(child.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                child.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(child.proc.pid, signal.SIGKILL)

    def check(self, log: Callable[[str], None] = print) -> list[str]:
        """One round: restart children that exited or failed ``probe_failures`` probes in a row.
        Returns the names restarted. Raises SystemExit when children crash over and over."""
        restarted = []
        for child in list(self.children.values()):
            assert child.proc is not None
            reason = None
            if child.proc.poll() is not None:
                reason = f"wurde beendet (Code {child.proc.returncode})"
            elif child.live_url:
                ok = answers(child.live_url, self.probe_timeout)
                if ok:
                    child.ready, child.failures = True, 0
                elif child.ready:
                    child.failures += 1
                    if child.failures >= self.probe_failures:
                        reason = f"antwortet nicht mehr auf {child.live_url} ({child.failures}x)"
            if reason is None:
                continue
            now = time.monotonic()
            child.restarts = [t for t in child.restarts if now - t < 300] + [now]
            if len(child.restarts) > 5:
                raise SystemExit(f"{child.name} stürzt wiederholt ab; siehe {self.logs}/{child.name}.log")
            log(f"{child.name} {reason}; starte neu …")
            self.kill(child)
            self.spawn(child)
            restarted.append(child.name)
        return restarted

    def stop_all(self) -> None:
        for child in self.children.values():
            if child.proc is not None and child.proc.poll() is None:
                try:
                    os.killpg(child.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for child in self.children.values():
            if child.proc is None:
                continue
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
