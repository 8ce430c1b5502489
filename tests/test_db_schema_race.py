"""Two processes creating the schema of one fresh SQLite database at the same moment both succeed
(the web server and the action server start together; one used to die with "table … already exists")."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import sys, time
from assistant.db import create_all, make_engine
start = float(sys.argv[2])
while time.time() < start:
    pass
create_all(make_engine(sys.argv[1]))
print("ok")
"""


def test_concurrent_schema_creation_on_one_sqlite_file(tmp_path) -> None:
    import time

    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        start = str(time.time() + 4)
        procs = [subprocess.Popen([sys.executable, "-c", CODE, url, start], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT)})
                 for _ in range(4)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, [err[-800:] for _, err in results]
        assert all(out.strip() == "ok" for out, _ in results)
