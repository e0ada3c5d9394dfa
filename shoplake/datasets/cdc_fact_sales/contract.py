"""The cdc_fact_sales dataset: the change batches of the operational database's fact_sales
(cdc/fact_sales/date=…/batch-….parquet, written by the change capture). See shoplake.datasets.changes."""

from __future__ import annotations

from shoplake.datasets import changes

CONTRACT = changes.contract("fact_sales")
