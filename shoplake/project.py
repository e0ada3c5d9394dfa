"""Where the project's definitions live in a source checkout: serverless.yml, resources/,
statemachines/, glue/, snowflake/, dbt/ and dags/ beside the package.

Only the tooling, the local runtime, orchestration and reporting read these files; the runtime
(Lambda, Glue) never does.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
