"""Change batches of dim_users with their truth (shoplake.datasets.changes_sample)."""

from __future__ import annotations

from functools import partial

from shoplake.datasets import changes_sample as changes

write_sample = partial(changes.write_sample, "dim_users")
describe = changes.describe
demo_files = changes.demo_files
