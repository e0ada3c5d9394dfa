"""The cdc_dim_users dataset: the change batches of the operational database's dim_users
(cdc/dim_users/date=…/batch-….parquet, written by the change capture). See shoplake.datasets.changes."""

from __future__ import annotations

from shoplake.datasets import changes

CONTRACT = changes.contract("dim_users")
