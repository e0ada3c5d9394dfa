"""The committed files that are generated from the dataset contracts, and their generators.

What is per dataset is written once (``shoplake/datasets/<name>/contract.py``) and derived
everywhere else. Where a tool needs a committed file (CloudFormation fragments, Snowflake DDL,
dbt sources), the file is generated from the contracts by one of the renderers below and a test
fails while the committed file and its renderer disagree.

    .venv/bin/python -m shoplake.tooling.generate            # write every generated file
    .venv/bin/python -m shoplake.tooling.generate --check    # exit 1 naming the stale ones
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from shoplake.project import REPO_ROOT


def generated_files() -> dict[Path, Callable[[], str]]:
    """Every generated file (relative to the repository) and the function that renders it."""
    from shoplake.reporting.quicksight import OUTPUT as QUICKSIGHT
    from shoplake.reporting.quicksight import render as quicksight
    from shoplake.tooling.athena import OUTPUT as LAKE_CATALOG
    from shoplake.tooling.athena import render as lake_catalog
    from shoplake.tooling.cloud import OUTPUT as CLOUD
    from shoplake.tooling.cloud import render as cloud
    from shoplake.tooling.dbt import generated as dbt_files
    from shoplake.tooling.snowflake.external_tables import OUTPUT as EXTERNAL_TABLES
    from shoplake.tooling.snowflake.external_tables import render as external_tables

    files = {
        CLOUD: cloud,
        QUICKSIGHT: quicksight,
        LAKE_CATALOG: lake_catalog,
        EXTERNAL_TABLES: external_tables,
        **dbt_files(),
    }
    return {path.relative_to(REPO_ROOT): render for path, render in files.items()}


def stale(root: Path = REPO_ROOT) -> list[Path]:
    """The generated files whose committed text is not what their renderer gives."""
    out = []
    for rel, render in generated_files().items():
        path = root / rel
        if not path.exists() or path.read_text() != render():
            out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for rel in outdated:
            print(f"stale: {rel} (run python -m shoplake.tooling.generate)")
        return 1 if outdated else 0
    for rel, render in generated_files().items():
        path = REPO_ROOT / rel
        text = render()
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
