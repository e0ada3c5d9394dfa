"""The local stand-in for Airflow's asset scheduling: one transform run after a batch of files.

Every publication's announcement ("these raw tables changed") is queued under
``$SHOPLAKE_HOME/transform/pending/``. A transform run takes the warehouse's writer lock
(:mod:`shoplake.core.warehouse.access`), then everything queued, and runs the transform DAG once
for all of it with ``dag.test()`` — so ten files landed by one ``shoplake ingest`` cost one run,
and announcements that arrive while a run is going (another process's ``ingest``, ``shoplake up``)
are coalesced into the next one, as Airflow coalesces asset events. Whoever holds the lock runs the
queue; a process whose announcements another run took reads that run's result instead of failing.
After each run the warehouse's read snapshot is published, so readers never wait for the next.

The DAG runs in a child process (``python -m shoplake.local.transform``) with its own
``AIRFLOW_HOME`` (sqlite, migrated once and reused): importing Airflow configures its settings and
logging for the whole process, which the CLI must not inherit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplake.core.warehouse import access
from shoplake.orchestration.airflow import (
    DAGS_DIR,
    ENV_DBT_TARGET,
    ENV_RETRY_DELAY_SECONDS,
    TRANSFORM_DAG_ID,
    TransformRunError,
    ensure_dbt_manifest,
)
from shoplake.orchestration.assets import tables_of_announcements
from shoplake.project import REPO_ROOT

# Results of runs other processes may still ask for; older ones are removed.
DONE_RETENTION_SECONDS = 24 * 3600


def airflow_environment(home: Path) -> dict[str, str]:
    """The child process's environment: Airflow on sqlite in ``$SHOPLAKE_HOME/airflow``, quiet."""
    airflow_home = home / "airflow"
    return {
        "SHOPLAKE_HOME": str(home),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        ENV_DBT_TARGET: "local",
        # A failed local task is retried at once: nobody waits five minutes on a laptop.
        ENV_RETRY_DELAY_SECONDS: "0",
    }


class TransformQueue:
    """Announcements waiting for a transform run, and the results of the runs that took them."""

    def __init__(self, home: Path):
        self.home = Path(home).resolve()
        self.pending = self.home / "transform" / "pending"
        self.done = self.home / "transform" / "done"
        self.warehouse = self.home / "warehouse.duckdb"

    def submit(self, announcements: list[dict[str, Any]], *, full_refresh: bool = False) -> str:
        """Queue a batch of announcements; returns its ticket."""
        self.pending.mkdir(parents=True, exist_ok=True)
        ticket = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        partial = self.pending / f".{ticket}.tmp"
        partial.write_text(json.dumps({"announcements": announcements, "full_refresh": full_refresh}))
        os.replace(partial, self.pending / f"{ticket}.json")
        return ticket

    def run(self, ticket: str, *, on_wait=None) -> dict[str, Any]:
        """Make sure the ticket's announcements are transformed; return the summary of the run
        that did it (this process's, or another's that took them meanwhile)."""
        with access.writing(self.warehouse, on_wait=on_wait):
            done = self.done / f"{ticket}.json"
            if done.exists():
                return json.loads(done.read_text()) | {"coalesced": True}
            tickets = sorted(p for p in self.pending.glob("*.json"))
            batches = [json.loads(p.read_text()) for p in tickets]
            announcements = [a for b in batches for a in b["announcements"]]
            summary = run_dag(
                self.home,
                announcements=announcements,
                full_refresh=any(b.get("full_refresh") for b in batches),
            )
            summary["announcements"] = len(announcements)
            summary["batches"] = len(batches)
            self.done.mkdir(parents=True, exist_ok=True)
            for p in tickets:
                (self.done / p.name).write_text(json.dumps(summary))
                p.unlink()
            access.publish_snapshot(self.warehouse)
            self._prune()
            return summary

    def _prune(self) -> None:
        cutoff = time.time() - DONE_RETENTION_SECONDS
        for p in self.done.glob("*.json"):
            if p.stat().st_mtime < cutoff:
                p.unlink(missing_ok=True)


def transform(
    home: Path, announcements: list[dict[str, Any]], *, full_refresh: bool = False, on_wait=None
) -> dict[str, Any]:
    """Queue the announcements and see them transformed (coalesced with whatever else is queued)."""
    queue = TransformQueue(home)
    return queue.run(queue.submit(announcements, full_refresh=full_refresh), on_wait=on_wait)


def run_dag(
    home: Path, *, full_refresh: bool = False, announcements: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Run the transform DAG once on the local warehouse (``dag.test()``) and summarise it.

    The caller holds the warehouse's writer lock (:class:`TransformQueue` does). Returns
    ``{"dag_id", "run_id", "state", "tasks": {task_id: state}, "nodes": {dbt unique id: status},
    "plan", "dbt_seconds", "seconds", "log", "warm"}`` (warm: run by the home's
    :class:`TransformWorker`, else in a new process); the
    state is ``success`` or ``failed``. Airflow's own output goes to
    ``$SHOPLAKE_HOME/airflow/logs/shoplake_transform-<time>.log``, never to the caller's terminal.
    Raises ``TransformRunError`` when the run could not happen at all.
    """
    home = Path(home).resolve()
    log_dir = home / "airflow" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    log_path = log_dir / f"{TRANSFORM_DAG_ID}-{stamp}.log"
    summary_path = log_dir / f"{TRANSFORM_DAG_ID}-{stamp}.json"
    announcements = announcements or []
    conf = {
        "full_refresh": full_refresh,
        "tables": tables_of_announcements(announcements) if announcements else None,
        "announcements": announcements,
    }
    started = time.perf_counter()
    worker = _WORKERS.get(home)
    warm = worker is not None and worker.run(conf, summary=summary_path, log=log_path)
    if not warm:
        cmd = [
            sys.executable,
            "-m",
            "shoplake.local.transform",
            "--summary",
            str(summary_path),
            "--conf",
            json.dumps(conf),
        ]
        env = {**os.environ, **airflow_environment(home)}
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, check=False)  # noqa: S603
        if not summary_path.exists():
            raise TransformRunError(f"the transform DAG did not run (exit {proc.returncode}); see {log_path}")
    elif not summary_path.exists():
        raise TransformRunError(f"the transform DAG did not run in the warm worker; see {log_path}")
    summary = json.loads(summary_path.read_text())
    summary_path.unlink()
    summary["seconds"] = round(time.perf_counter() - started, 3)
    summary["log"] = str(log_path)
    summary["warm"] = warm
    return summary


# -- a warm worker ------------------------------------------------------------------------------
_WORKERS: dict[Path, TransformWorker] = {}


class TransformWorker:
    """A child process that keeps Airflow, the DAG and dbt loaded between transform runs.

    A one-off run spends about 6 s before dbt starts (the interpreter, Airflow's import, the DAG
    bag, ``dag.test()``'s in-process execution API, dbt's import); ``shoplake up`` starts one
    worker per home (``with TransformWorker(home):``) and :func:`run_dag` hands it each run
    instead. Each run still writes its own log (the worker points its stdout and stderr there
    for the run) and its summary file; the worker answers on a pipe of its own. A worker that
    died is not trusted again: the run falls back to a one-off process.
    """

    def __init__(self, home: Path):
        self.home = Path(home).resolve()
        self.proc: subprocess.Popen | None = None
        self.replies = None

    def __enter__(self) -> TransformWorker:
        log_dir = self.home / "airflow" / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        read_fd, write_fd = os.pipe()
        with (log_dir / f"{TRANSFORM_DAG_ID}-worker-{stamp}.log").open("w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "shoplake.local.transform", "--serve", str(write_fd)],
                env={**os.environ, **airflow_environment(self.home)},
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=REPO_ROOT,
                text=True,
            )
        os.close(write_fd)
        self.replies = os.fdopen(read_fd, encoding="utf-8")
        _WORKERS[self.home] = self
        return self

    def run(self, conf: dict[str, Any], *, summary: Path, log: Path) -> bool:
        """One DAG run in the worker; False when the worker is gone (run it another way)."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            self.proc.stdin.write(json.dumps({"conf": conf, "summary": str(summary), "log": str(log)}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        if self.replies.readline():
            return True
        _WORKERS.pop(self.home, None)
        return False

    def __exit__(self, *exc) -> None:
        _WORKERS.pop(self.home, None)
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.replies is not None:
            self.replies.close()


# -- the child process ------------------------------------------------------------------------
def _migrate_once(airflow_home: Path) -> None:
    """Create or upgrade the sqlite metadata DB once per Airflow version (~3 s), then reuse it."""
    from airflow import __version__ as airflow_version
    from airflow.utils.db import upgradedb

    marker = airflow_home / ".migrated"
    if marker.exists() and marker.read_text() == airflow_version:
        return
    upgradedb()
    marker.write_text(airflow_version)


_DAGS: dict[float, Any] = {}


def _transform_dag():
    """The DAG, loaded once per process (again if its file changed)."""
    from airflow.dag_processing.dagbag import DagBag

    path = DAGS_DIR / f"{TRANSFORM_DAG_ID}.py"
    mtime = path.stat().st_mtime
    if mtime not in _DAGS:
        bag = DagBag(dag_folder=str(path))
        if bag.import_errors:
            raise TransformRunError(f"DAG import errors: {bag.import_errors}")
        _DAGS.clear()
        _DAGS[mtime] = bag.dags[TRANSFORM_DAG_ID]
    return _DAGS[mtime]


def _run_dag(conf: dict[str, Any]) -> dict[str, Any]:
    from shoplake.orchestration import selection

    _migrate_once(Path(os.environ["AIRFLOW_HOME"]))
    ensure_dbt_manifest()
    dag = _transform_dag()
    dag_run = dag.test(run_conf=conf)
    tasks = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    chosen = selection._PLANS.get(dag_run.run_id)
    report = _build_report(dag.dag_id, dag_run.run_id) or {}
    return {
        "dag_id": dag.dag_id,
        "run_id": dag_run.run_id,
        "state": str(dag_run.state),
        "tasks": tasks,
        "plan": chosen.describe() if chosen else None,
        # every dbt node's status (unique id -> success / pass / warn / error / fail / skipped)
        "nodes": report.get("nodes") or {},
        "dbt_seconds": report.get("seconds") or {},
    }


def _build_report(dag_id: str, run_id: str) -> dict[str, Any] | None:
    """The build task's XCom of a finished run (see shoplake.orchestration.build)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from shoplake.orchestration.build import BUILD_TASK_ID, XCOM_KEY

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=run_id, dag_ids=dag_id, task_ids=BUILD_TASK_ID, key=XCOM_KEY).limit(1)
        ).first()
        return XComModel.deserialize_value(row) if row is not None else None


@contextlib.contextmanager
def _output_to(log: Path):
    """Point this process's stdout and stderr (the file descriptors: Airflow's and dbt's logging
    included) at ``log`` for a while."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)


def release_warehouse() -> None:
    """Close the DuckDB file dbt-duckdb keeps open between dbt commands in one process (its
    ``keep_open``), so that the warehouse's other writers (the refresh step, the promotions
    export) can open it while the worker waits for the next run."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
        if env is not None:
            env.close()


def _serve(reply_fd: int) -> int:
    """The warm worker: load what every run needs, then one DAG run per request line on stdin."""
    import traceback

    replies = os.fdopen(reply_fd, "w", encoding="utf-8")
    from shoplake.orchestration.build import dbt_args, invoke

    _migrate_once(Path(os.environ["AIRFLOW_HOME"]))
    ensure_dbt_manifest()
    _transform_dag()
    # dbt's first command in a process loads the adapter and compiles its macros (~4 s): do it
    # now, on a command that opens no database
    invoke(dbt_args(["ls", "--resource-type", "seed"]))
    for line in sys.stdin:
        request = json.loads(line)
        with _output_to(Path(request["log"])):
            try:
                Path(request["summary"]).write_text(json.dumps(_run_dag(request["conf"])))
            except Exception:  # noqa: BLE001  (the caller reports the run as not done; the log says why)
                traceback.print_exc()
            finally:
                release_warehouse()
        replies.write("done\n")
        replies.flush()
    return 0


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the transform DAG (the local runtime's child process).")
    parser.add_argument("--summary", type=Path)
    parser.add_argument("--conf", default="{}")
    parser.add_argument("--serve", type=int, metavar="FD", help="be a warm worker; answer on this file descriptor")
    args = parser.parse_args(argv)
    if args.serve is not None:
        return _serve(args.serve)
    if args.summary is None:
        parser.error("--summary is required (or --serve)")
    summary = _run_dag(json.loads(args.conf))
    args.summary.write_text(json.dumps(summary))
    return 0 if summary["state"] == "success" else 1


if __name__ == "__main__":
    sys.exit(_main())
