"""The shop's order lines: contract, Spark transform and sample generator."""
