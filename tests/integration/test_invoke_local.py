"""`npx sls invoke local` runs the handlers that need no AWS service, from serverless.yml as deployed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.static


def invoke_local(function: str, event: Path) -> subprocess.CompletedProcess:
    if not (ROOT / "node_modules" / ".bin" / "sls").exists():
        pytest.fail("node_modules is missing: run `make setup` (npm ci)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        POWERTOOLS_TRACE_DISABLED="true",
        # osls runs the handler with `python3` from PATH: use the project's interpreter.
        PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
    )
    return subprocess.run(
        ["npx", "sls", "invoke", "local", "--stage", "dev", "-f", function, "--path", str(event)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_validate_accepts_the_sample_execution_input():
    proc = invoke_local("validate", ROOT / "tests/events/validate_input.json")
    assert proc.returncode == 0, proc.stderr
    start = proc.stdout.index("{")
    assert json.loads(proc.stdout[start:]) == {
        "accepted": True,
        "dataset": "reviews",
        "suffix": ".jsonl.gz",
        "compression": "gzip",
        "small": True,  # 48,213 bytes, under the stage's smallObjectBytes (64 MiB): one Glue run
    }


def test_validate_rejects_with_a_typed_error(tmp_path):
    event = json.loads((ROOT / "tests/events/validate_input.json").read_text())
    event["source"]["key"] = "reviews/report.xlsx"
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    proc = invoke_local("validate", path)
    assert proc.returncode == 1
    assert "UnsupportedFileType" in proc.stdout + proc.stderr
    expected = "'reviews/report.xlsx' is not one of .json[.gz], .jsonl[.gz], .ndjson[.gz], .csv[.gz]"
    assert expected in proc.stdout + proc.stderr
