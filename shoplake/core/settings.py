"""One typed settings object per function, read from the environment once (at cold start).

Configuration flows one way: ``serverless.yml`` params per stage -> function environment ->
these objects. A missing or invalid value raises :class:`ConfigurationError` naming it;
nothing required has a silent default. Secrets are referenced by name, never held here.

Settings and AWS clients are created lazily and cached (see :func:`cold_start_cache`); the
local runtime calls :func:`reset_cold_start_caches` when it starts a new local cloud, which is
what a Lambda cold start is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import PositiveInt, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shoplake.core.errors import ConfigurationError

T = TypeVar("T")
_CACHES: list[Callable] = []


def cold_start_cache(fn: Callable[[], T]) -> Callable[[], T]:
    """Cache a zero-argument factory for the life of the (Lambda) process."""
    cached = functools.cache(fn)
    _CACHES.append(cached)
    return cached


def reset_cold_start_caches() -> None:
    for cached in _CACHES:
        cached.cache_clear()


def load_settings(cls: type[T], **values) -> T:
    """``cls(**values)`` (the environment fills the rest); a missing or invalid value raises
    :class:`ConfigurationError` naming every problem."""
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper() or '(settings)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"{cls.__name__} is not configured: {problems}") from None


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    shoplake_stage: str
    storage_backend: Literal["s3", "local"]

    @classmethod
    def load(cls: type[T]) -> T:
        return load_settings(cls)


class IntakeSettings(_Settings):
    state_machine_arn: str
    idempotency_table: str
    processed_bucket: str
    pipeline_version: str
    # How long a delivered event is remembered; S3/EventBridge re-deliveries come within minutes.
    idempotency_ttl_seconds: PositiveInt = 24 * 3600


class ValidateSettings(_Settings):
    # Validate decides from the event alone: it needs no AWS service, so no storage backend either.
    storage_backend: Literal["s3", "local"] | None = None
    max_object_bytes: PositiveInt
    # Objects up to this size are cleaned and flattened in one Glue job run (0: none is).
    small_object_bytes: int = 0


class CheckCleanSettings(_Settings):
    processed_bucket: str


class QuarantineSettings(_Settings):
    quarantine_bucket: str


class RefreshWarehouseSettings(_Settings):
    processed_bucket: str
    warehouse: Literal["snowflake", "duckdb"]
    # Snowflake: the Secrets Manager secret holding the connection (account, user, password or
    # private_key, role, warehouse) and where the external tables live.
    snowflake_secret_name: str | None = None
    snowflake_database: str | None = None
    snowflake_schema: str | None = None
    snowflake_stage: str | None = None
    # DuckDB (the local warehouse): the database file.
    duckdb_path: str | None = None
    # Where "new data" is announced (SQS): Airflow turns each message into an asset event.
    warehouse_events_queue_url: str

    @model_validator(mode="after")
    def _warehouse_specific(self):
        need = (
            ["snowflake_secret_name", "snowflake_database", "snowflake_schema", "snowflake_stage"]
            if self.warehouse == "snowflake"
            else ["duckdb_path"]
        )
        missing = [n.upper() for n in need if not getattr(self, n)]
        if missing:
            raise ValueError(f"WAREHOUSE={self.warehouse} needs {', '.join(missing)}")
        return self


class CompactLakeSettings(RefreshWarehouseSettings):
    # Compaction announces nothing: the rows it rewrites are the ones already announced.
    warehouse_events_queue_url: str | None = None
    compaction_min_sources: PositiveInt = 4
    compaction_fanout: PositiveInt = 4
    # a view re-created from an older state may name a retired segment until the next refresh
    compaction_retire_after_seconds: int = 3600


class GenerateCartEventsSettings(_Settings):
    """The scheduled cart-event generator: where it writes and how much the simulated shop sells."""

    raw_bucket: str
    # The schedule's interval: each run writes the window of this many seconds before it.
    cart_events_every_seconds: PositiveInt
    # The simulated shop's visits per ordinary day (its seed fixes customers and catalogue).
    cart_sessions_per_day: PositiveInt
    shop_seed: int


class ExtractChangesSettings(_Settings):
    """The change capture: the operational database (its Secrets Manager secret), where batches
    land, where each table's watermark lives, and the batch bounds."""

    raw_bucket: str
    # A secret with the RDS fields (host, port, username, password, dbname) or one "uri".
    source_secret_arn: str
    # Watermarks: the DynamoDB table in the cloud, a folder locally (exactly one of them).
    cdc_state_table: str | None = None
    cdc_state_dir: str | None = None
    # A batch takes nothing changed in the last this many seconds (besides waiting for the
    # oldest transaction in flight): late commits of statements older than that are not waited for.
    cdc_lag_seconds: float = 5.0
    # At most this many row versions (and deletions) per batch: a first load is many batches.
    cdc_batch_rows: PositiveInt = 500_000

    @model_validator(mode="after")
    def _one_store(self):
        if (self.cdc_state_table is None) == (self.cdc_state_dir is None):
            raise ValueError("set exactly one of CDC_STATE_TABLE (DynamoDB) and CDC_STATE_DIR (local)")
        return self


class ExportPromotionsSettings(_Settings):
    """The promotions export: which warehouse holds the marts, and the consumption bucket."""

    consumption_bucket: str
    warehouse: Literal["snowflake", "duckdb"]
    snowflake_secret_name: str | None = None
    snowflake_database: str | None = None
    duckdb_path: str | None = None

    @model_validator(mode="after")
    def _warehouse_specific(self):
        need = ["snowflake_secret_name", "snowflake_database"] if self.warehouse == "snowflake" else ["duckdb_path"]
        missing = [n.upper() for n in need if not getattr(self, n)]
        if missing:
            raise ValueError(f"WAREHOUSE={self.warehouse} needs {', '.join(missing)}")
        return self
