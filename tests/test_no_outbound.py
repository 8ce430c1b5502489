"""No outbound connection: the whole stack runs in a network namespace that has only loopback,
under strace, and every connect/sendto to an address other than loopback (or to port 53, a DNS
lookup) fails the test. Needs root, unshare and strace; otherwise skipped with the reason."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

ADDR_RE = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)'
                     r'|sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')


def outbound_attempts(trace: str) -> list[str]:
    """strace lines of connect/sendto/sendmsg calls to a non-loopback address or to DNS."""
    bad = []
    for line in trace.splitlines():
        m = ADDR_RE.search(line)
        if not m:
            continue
        port = int(m.group(1) or m.group(3))
        addr = m.group(2) or m.group(4)
        local = addr.startswith("127.") or addr in ("::1", "0.0.0.0", "::") or addr.startswith("::ffff:127.")
        if not local or port == 53:
            bad.append(line.strip())
    return bad


def _isolated(cmd: list[str], trace: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new network namespace with loopback up, traced by strace."""
    inner = ["sh", "-c", 'ip link set lo up && exec "$@"', "sh", "strace", "-f", "-qq", "--seccomp-bpf",
             "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *cmd]
    return subprocess.run(["unshare", "-n", "--", *inner], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def isolation_tools() -> None:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    for tool in ("unshare", "strace", "ip"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


def test_the_detector_sees_an_outbound_attempt(isolation_tools, tmp_path) -> None:
    trace = tmp_path / "probe.trace"
    code = "import socket\ntry:\n socket.create_connection(('192.0.2.1', 443), timeout=2)\nexcept OSError:\n pass\n"
    _isolated([sys.executable, "-c", code], trace, dict(os.environ), 60)
    attempts = outbound_attempts(trace.read_text())
    assert attempts and "192.0.2.1" in attempts[0]


def test_the_stack_makes_no_outbound_connection(isolation_tools, tmp_path) -> None:
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("No trained model: run 'make train'")
    trace = tmp_path / "stack.trace"
    var = tmp_path / "var"
    var.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), ASSISTANT_CHAT_RATE_PER_MINUTE="100000")
    env.pop("RASA_TELEMETRY_ENABLED", None)  # scripts/run.py must switch telemetry off by itself
    ports = [str(free_port()) for _ in range(3)]
    proc = _isolated([str(ROOT / ".venv/app/bin/python"), str(ROOT / "tests/privacy/netns_driver.py"), str(var),
                      *ports], trace, env, 900)
    log = (var / "run.log").read_text(errors="replace") if (var / "run.log").exists() else ""
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}\n{log[-3000:]}"
    answers = json.loads(proc.stdout.strip().splitlines()[-1])["answers"]
    assert "gespeichert" in answers[-1]
    text = trace.read_text()
    # the trace covers the servers themselves: Rasa connecting to the action server, the web server to Rasa
    assert f"htons({ports[1]})" in text and f"htons({ports[0]})" in text
    assert outbound_attempts(text) == []
