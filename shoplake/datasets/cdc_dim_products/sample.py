"""Change batches of dim_products with their truth (shoplake.datasets.changes_sample)."""

from __future__ import annotations

from functools import partial

from shoplake.datasets import changes_sample as changes

write_sample = partial(changes.write_sample, "dim_products")
describe = changes.describe
demo_files = changes.demo_files
