"""Pure Spark transforms, one module per dataset: DataFrame in, DataFrame out, no I/O."""
