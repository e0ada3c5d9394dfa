"""How ``shoplake dashboard`` (and the browser test) start the Streamlit server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

APP = Path(__file__).with_name("app.py")


def app_overrides(argv: Sequence[str]) -> dict[str, Any]:
    """Settings the launcher passed after ``--`` (they win over the environment and over
    ``.streamlit/secrets.toml``, which Streamlit copies into the environment at start)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--home", dest="shoplake_home")
    parser.add_argument("--warehouse", dest="dashboard_warehouse")
    known, _ = parser.parse_known_args(list(argv))
    return {k: v for k, v in vars(known).items() if v is not None}


def streamlit_command(
    *, port: int, host: str = "127.0.0.1", home: Path | None = None, warehouse: str | None = None
) -> list[str]:
    """``streamlit run`` of the app: headless, no usage statistics, no file watching; the app's
    own arguments (``--home``, ``--warehouse``) after ``--``."""
    app_args = [*(["--home", str(home)] if home else []), *(["--warehouse", warehouse] if warehouse else [])]
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
        "--", *app_args,
    ]  # fmt: skip
