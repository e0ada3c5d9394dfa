"""The scripts of ``snowflake/``: rendered per stage, split into statements, and which are pending."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from shoplake.core.errors import ConfigurationError, ShoplakeError
from shoplake.tooling.snowflake.settings import REPO, StageSettings, load_settings

SCRIPTS_DIR = REPO / "snowflake"
_SCRIPT_NAME = re.compile(r"^(?:V(?P<version>[1-9][0-9]*)|R)__(?P<what>[a-z0-9_]+)\.sql$")


class SchemaHistoryError(ShoplakeError):
    """The schema history and the scripts disagree (an applied script changed, or went missing)."""


@dataclass(frozen=True)
class Script:
    version: int | None  # None for repeatable scripts
    name: str  # the file name, e.g. V1__database_and_schemas.sql
    sql: str  # rendered for one stage
    checksum: str  # sha256 of the rendered SQL: a change of a stage's values is a change too

    @property
    def kind(self) -> str:
        """``V`` (versioned) or ``R`` (repeatable)."""
        return "R" if self.version is None else "V"

    @property
    def description(self) -> str:
        return _SCRIPT_NAME.match(self.name)["what"].replace("_", " ")

    def statements(self) -> list[str]:
        return split_statements(self.sql)


def split_statements(sql: str) -> list[str]:
    """The statements of a script, comments removed, each with its terminating semicolon."""
    from snowflake.connector.util_text import split_statements as _split

    return [stmt for stmt, _is_put_or_get in _split(io.StringIO(sql), remove_comments=True) if stmt.strip()]


def script_files(scripts_dir: Path = SCRIPTS_DIR) -> list[Path]:
    """The script files in apply order: versioned by version, then repeatable by name."""
    versioned, repeatable, seen = [], [], {}
    for path in sorted(scripts_dir.glob("*.sql")):
        m = _SCRIPT_NAME.match(path.name)
        if not m:
            raise ConfigurationError(f"{path.name}: script names are V<n>__<what>.sql or R__<what>.sql (lower case)")
        if m["version"]:
            version = int(m["version"])
            if version in seen:
                raise ConfigurationError(f"{path.name} and {seen[version]} have the same version")
            seen[version] = path.name
            versioned.append((version, path))
        else:
            repeatable.append(path)
    return [p for _, p in sorted(versioned)] + sorted(repeatable)


def render(
    stage: str,
    aws_account_id: str | None = None,
    *,
    placeholder: bool = False,
    root: Path = REPO,
) -> list[Script]:
    """Every script rendered for a stage, in apply order."""
    return render_scripts(load_settings(stage, aws_account_id, placeholder=placeholder, root=root), root / "snowflake")


def render_scripts(settings: StageSettings, scripts_dir: Path = SCRIPTS_DIR) -> list[Script]:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(scripts_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 — SQL, not HTML: every value is validated in load_settings
        keep_trailing_newline=True,
    )
    out = []
    for path in script_files(scripts_dir):
        sql = env.get_template(path.name).render(settings.template_vars())
        m = _SCRIPT_NAME.match(path.name)
        out.append(
            Script(
                version=int(m["version"]) if m["version"] else None,
                name=path.name,
                sql=sql,
                checksum=hashlib.sha256(sql.encode()).hexdigest(),
            )
        )
    return out


@dataclass(frozen=True)
class Applied:
    version: int | None
    script: str
    checksum: str
    success: bool


def pending_scripts(scripts: list[Script], history: list[Applied], target: int | None = None) -> list[Script]:
    """What an apply runs, after checking the history against the scripts (raises SchemaHistoryError).

    Versioned: each successfully applied one must still exist unchanged; the others run in order
    (a failed one again: every script is written to be re-runnable), up to ``target``; one older
    than the newest applied version is refused (no out-of-order). Repeatable: runs when it has no
    successful run with its current checksum as the latest. Repeatables only run in a complete
    apply (no ``target`` short of the newest version), after every versioned script.
    """
    local = {s.version: s for s in scripts if s.kind == "V"}
    applied: dict[int, Applied] = {}
    latest_r: dict[str, Applied] = {}
    for row in history:
        if row.version is not None and row.success:
            applied[row.version] = row
        elif row.version is None:
            latest_r[row.script] = row
    for version, row in sorted(applied.items()):
        script = local.get(version)
        if script is None:
            raise SchemaHistoryError(f"{row.script} (version {version}) was applied but is not in snowflake/ any more")
        if script.checksum != row.checksum:
            raise SchemaHistoryError(
                f"{script.name} changed after it was applied (checksum {row.checksum[:12]}… applied, "
                f"{script.checksum[:12]}… now): applied versioned scripts are immutable, add a new V<n> script"
            )
    newest = max(applied, default=0)
    pending = [s for v, s in sorted(local.items()) if v not in applied and (target is None or v <= target)]
    if pending and pending[0].version < newest:
        raise SchemaHistoryError(f"{pending[0].name} is older than the applied version {newest}: out of order")
    complete = target is None or target >= max(local, default=0)
    if complete:
        for s in scripts:
            if s.kind == "R":
                last = latest_r.get(s.name)
                if last is None or not last.success or last.checksum != s.checksum:
                    pending.append(s)
    return pending
