"""cdc_dim_users: change rows in, typed versions and tombstones out (shoplake.datasets.changes)."""

from __future__ import annotations

from shoplake.datasets.cdc_dim_users.contract import CONTRACT
from shoplake.datasets.changes_transform import ChangeTransform

TRANSFORM = ChangeTransform(CONTRACT)
