"""The dataset registry: every dataset shoplake knows, one line each.

A dataset is a folder here (``<name>/contract.py``, ``transform.py``, ``sample.py``) plus its dbt
models; everything else (the generic jobs, handlers, state machine, warehouse adapters, IAM,
Snowflake DDL, dbt sources) is derived from the contracts listed below.
"""

from __future__ import annotations

from shoplake.core.contracts import Dataset
from shoplake.datasets.reviews.contract import REVIEWS

DATASETS: dict[str, Dataset] = {REVIEWS.name: REVIEWS}


def dataset_for_key(key: str) -> Dataset | None:
    """The dataset whose landing prefix the key is under."""
    for ds in DATASETS.values():
        if key.startswith(ds.prefix):
            return ds
    return None


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None
