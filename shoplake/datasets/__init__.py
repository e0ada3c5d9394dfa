"""The dataset registry: every dataset shoplake knows, one line each.

A dataset is a folder here (``<name>/contract.py``, ``transform.py``, ``sample.py``) plus its dbt
models; everything else (the generic jobs, handlers, state machine, warehouse adapters, IAM,
Snowflake DDL, dbt sources) is derived from the contracts listed below.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from shoplake.core.contracts import Dataset
from shoplake.datasets.reviews.contract import REVIEWS

DATASETS: dict[str, Dataset] = {ds.name: ds for ds in (REVIEWS,)}


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


def sample_module(name: str) -> ModuleType:
    """The dataset's sample generator, ``shoplake.datasets.<name>.sample``: ``write_sample(path, rows,
    *, corrupt_share, duplicate_share, seed, day) -> stats`` and ``describe(stats) -> str``."""
    get_dataset(name)
    return importlib.import_module(f"shoplake.datasets.{name}.sample")
