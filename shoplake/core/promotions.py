"""The promotions export: ``marts.customer_promotions`` as files the promotion application reads.

When a transform run has rebuilt ``customer_promotions`` it emits a "Marts Rebuilt" event (an
EventBridge custom bus in the cloud; the same event locally). The exporter reads the mart and
writes, under the consumption bucket's ``promotions/date=YYYY-MM-DD/``::

    promotion_data.csv       one row per (customer, rank), ordered by customer then rank
    promotion_data.parquet   the same rows, typed
    _manifest.json           rows, the cart-event runs the promotions come from, and checksums

The date is the promotions' ``as_of`` (the data's watermark), never the wall clock, and every
byte is a function of the rows: a rerun for the same date replaces the files with identical
bytes. Each object is one PUT (whole or absent); the manifest is written last, so a reader that
finds it finds the files it describes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from shoplake.core.storage import ObjectStore

# The event the transform emits; the exporter's rule matches models containing MODEL.
EVENT_SOURCE = "shoplake.transform"
EVENT_DETAIL_TYPE = "Marts Rebuilt"
MODEL = "customer_promotions"
PREFIX = "promotions/"
CSV_NAME, PARQUET_NAME, MANIFEST_NAME = "promotion_data.csv", "promotion_data.parquet", "_manifest.json"
COLUMNS = (
    "customer_id", "rank", "product_id", "value_abandoned", "last_activity", "units_abandoned", "carts_abandoned",
)  # fmt: skip
# Fixed queries (no identifier or value from outside is ever spliced in).
PROMOTIONS_QUERY = f"select {', '.join(COLUMNS)}, as_of from marts.customer_promotions order by customer_id, rank"
SOURCE_RUNS_QUERY = "select distinct run_id from marts.fct_cart_events order by run_id"


class MartsRebuilt(BaseModel):
    """The detail of a "Marts Rebuilt" event: which transform run rebuilt which models."""

    dag_id: str
    run_id: str
    models: list[str] = Field(min_length=1)


class MartsRebuiltEvent(BaseModel):
    """The EventBridge envelope around it (Powertools' parser validates what the handler gets)."""

    source: str
    detail_type: str = Field(alias="detail-type")
    time: datetime
    detail: MartsRebuilt


@dataclass(frozen=True)
class Promotions:
    rows: list[tuple[Any, ...]]  # in COLUMNS order
    as_of: datetime | None  # the watermark the promotions were computed at (None: no cart events)
    source_run_ids: list[str]

    @property
    def day(self) -> date | None:
        return None if self.as_of is None else _utc(self.as_of).date()


def read_promotions(connection) -> Promotions:
    """The mart's rows, and the runs of the cart events behind them (a DB-API connection:
    DuckDB locally, Snowflake in the cloud)."""
    cur = connection.cursor()
    cur.execute(PROMOTIONS_QUERY)
    fetched = cur.fetchall()
    cur.execute(SOURCE_RUNS_QUERY)
    runs = [r[0] for r in cur.fetchall()]
    as_of = max((r[-1] for r in fetched if r[-1] is not None), default=None)
    return Promotions([tuple(r[:-1]) for r in fetched], as_of, runs)


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def render_csv(rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([_text(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def render_parquet(rows: list[tuple[Any, ...]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("rank", pa.int32()),
            ("product_id", pa.string()),
            ("value_abandoned", pa.decimal128(14, 2)),
            ("last_activity", pa.timestamp("us", tz="UTC")),
            ("units_abandoned", pa.int64()),
            ("carts_abandoned", pa.int64()),
        ]
    )
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    values = [list(c) for c in columns]
    values[3] = [None if v is None else Decimal(v).quantize(Decimal("0.01")) for v in values[3]]
    values[4] = [None if v is None else _utc(v) for v in values[4]]
    table = pa.table([pa.array(v, type=f.type) for v, f in zip(values, schema, strict=True)], schema=schema)
    sink = io.BytesIO()
    # No timestamps or writer-dependent statistics: the bytes are a function of the rows.
    pq.write_table(table, sink, compression="zstd", write_statistics=False, store_schema=False)
    return sink.getvalue()


def export_uri(consumption_root: str, day: date, name: str) -> str:
    return f"{consumption_root.rstrip('/')}/{PREFIX}date={day.isoformat()}/{name}"


def export_promotions(
    store: ObjectStore, consumption_root: str, promotions: Promotions, *, transform_run_id: str
) -> dict[str, Any]:
    """Write the day's files and manifest; return the manifest (``exported: false`` and nothing
    written when there are no cart events yet, so no day to export)."""
    if promotions.day is None:
        return {"exported": False, "reason": "no cart events: customer_promotions has no as_of date"}
    files = {CSV_NAME: render_csv(promotions.rows), PARQUET_NAME: render_parquet(promotions.rows)}
    manifest = {
        "date": promotions.day.isoformat(),
        "as_of": _text(promotions.as_of),
        "rows": len(promotions.rows),
        "customers": len({r[0] for r in promotions.rows}),
        "source_run_ids": promotions.source_run_ids,
        "files": {
            name: {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()} for name, body in files.items()
        },
    }
    # Who wrote it is object metadata, not content: the bytes stay the same on a rerun.
    metadata = {"transform-run-id": transform_run_id}
    for name, body in files.items():
        store.put_bytes(export_uri(consumption_root, promotions.day, name), body, metadata)
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    store.put_bytes(export_uri(consumption_root, promotions.day, MANIFEST_NAME), body, metadata)
    return {"exported": True, **manifest}


@contextmanager
def marts_connection(settings) -> Iterator[Any]:
    """A read connection to the marts: the local DuckDB warehouse's last complete snapshot
    (read-only; a transform may be writing), or Snowflake with the secret's credentials."""
    if settings.warehouse == "duckdb":
        import duckdb

        from shoplake.core.warehouse import access

        with access.reading(Path(settings.duckdb_path)) as readable:
            con = duckdb.connect(str(readable), read_only=True)
            try:
                yield con
            finally:
                con.close()
        return
    from shoplake.core.warehouse.snowflake import connect_from_secret

    con = connect_from_secret(settings.snowflake_secret_name, settings.snowflake_database)
    try:
        yield con
    finally:
        con.close()
