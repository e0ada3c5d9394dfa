"""cdc_fact_sales: change rows in, typed versions and tombstones out (shoplake.datasets.changes)."""

from __future__ import annotations

from shoplake.datasets.cdc_fact_sales.contract import CONTRACT
from shoplake.datasets.changes_transform import ChangeTransform

TRANSFORM = ChangeTransform(CONTRACT)
