"""The change-capture datasets' transform (see shoplake.datasets.changes): change rows in, typed
versions and tombstones out, every value checked against the source table's type."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from shoplake.core.columns import blank_to_null, decimal, instant_timestamp, integer, present, utc_date
from shoplake.core.contracts import Dataset
from shoplake.core.postgres.tables import CHANGE_OPS
from shoplake.core.transform import DatasetTransform, ParseContext
from shoplake.datasets.changes import INCOMPLETE, LAYOUT, PARTITION, source_table, typed_columns


def _typed(c: Column, typ: str) -> Column:
    if typ == "bigint":
        return integer(c)
    if typ == "int":
        n = integer(c)
        return F.when(n.between(-(2**31), 2**31 - 1), n.cast("int"))
    if typ == "timestamp":
        return instant_timestamp(c)
    if typ == "decimal(12,2)":
        return decimal(c, 12, 2)
    return c


class ChangeTransform(DatasetTransform):
    """A change batch's rows, validated against the source table's types."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset  # type: ignore[misc]
        self.source = source_table(dataset)

    def parse(self, records: DataFrame, ctx: ParseContext) -> DataFrame:
        f = F.col("f")
        key = self.source.key
        text = {c: (f[c] if typ == "string" else blank_to_null(f[c])) for c, typ in self.source.columns}
        values = {c: _typed(text[c], typ) for c, typ in self.source.columns}
        op = F.lower(blank_to_null(f["change_op"]))
        changed_at = instant_timestamp(f["changed_at"])
        upsert = op == "upsert"
        reason = (
            F.when(F.col("reason").isNotNull(), F.col("reason"))
            .when(~present(f[key]), F.lit(f"missing_{key}"))
            .when(op.isNull() | ~op.isin(*CHANGE_OPS), F.lit("invalid_change_op"))
            .when(~present(f["changed_at"]), F.lit("missing_changed_at"))
            .when(changed_at.isNull(), F.lit("invalid_changed_at"))
        )
        for c, _ in typed_columns(self.source):
            reason = reason.when(present(text[c]) & values[c].isNull(), F.lit(f"invalid_{c}"))
        complete = F.lit(True)
        for c, _ in self.source.columns:
            complete = complete & present(text[c]) & values[c].isNotNull()
        reason = reason.when(upsert & ~complete, F.lit(INCOMPLETE))
        return records.select(
            "line_id",
            "raw_record",
            "is_blank",
            reason.alias("reason"),
            F.lit(LAYOUT).alias("source_format"),
            *[values[c].alias(c) for c in self.source.column_names],
            op.alias("change_op"),
            changed_at.alias("changed_at"),
            utc_date(changed_at).alias(PARTITION),
        )
