"""cdc_dim_products: change rows in, typed versions and tombstones out (shoplake.datasets.changes)."""

from __future__ import annotations

from shoplake.datasets.cdc_dim_products.contract import CONTRACT
from shoplake.datasets.changes_transform import ChangeTransform

TRANSFORM = ChangeTransform(CONTRACT)
