"""A SHOPLAKE_HOME holding the demo data, for the benchmarks that measure the warehouse side."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent


def demo_home(name: str) -> Path:
    """Run ``shoplake demo`` into a new temporary SHOPLAKE_HOME (``shoplake-bench-<name>-…``)."""
    home = Path(tempfile.mkdtemp(prefix=f"shoplake-bench-{name}-"))
    print(f"running `shoplake demo` into {home} …", flush=True)
    proc = subprocess.run(  # noqa: S603
        [str(BIN / "shoplake"), "demo"], env={**os.environ, "SHOPLAKE_HOME": str(home)}, capture_output=True, text=True
    )
    if not (home / "warehouse.duckdb").exists():
        sys.exit(f"shoplake demo failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return home
