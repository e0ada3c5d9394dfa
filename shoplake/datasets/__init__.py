"""The dataset registry: every dataset shoplake knows, one line each.

A dataset is a folder here (``<name>/contract.py``, ``transform.py``, ``sample.py``) plus its dbt
models; everything else (the generic jobs, handlers, state machine, warehouse adapters, IAM,
Snowflake DDL, dbt sources) is derived from the contracts registered below. Adding a dataset is
its folder, its dbt models, one line in REGISTERED, and ``python -m shoplake.tooling.generate``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from shoplake.core.contracts import Dataset

# The registered datasets, one line each: shoplake/datasets/<name>/contract.py defines CONTRACT.
REGISTERED = (
    "reviews",
    "products",
    "transactions",
    "clickstream",
    "cart_events",
    "cdc_fact_sales",
    "cdc_dim_users",
    "cdc_dim_products",
)  # fmt: skip


def _contract(name: str) -> Dataset:
    contract = importlib.import_module(f"shoplake.datasets.{name}.contract").CONTRACT
    if not isinstance(contract, Dataset) or contract.name != name:
        raise TypeError(f"shoplake.datasets.{name}.contract.CONTRACT is not the contract of {name!r}")
    return contract


DATASETS: dict[str, Dataset] = {name: _contract(name) for name in REGISTERED}
_nested = [(a.name, b.name) for a in DATASETS.values() for b in DATASETS.values()
           if a is not b and b.prefix.startswith(a.prefix)]  # fmt: skip
if _nested:
    raise ValueError(f"landing prefixes nest (a key would belong to two datasets): {_nested}")


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
