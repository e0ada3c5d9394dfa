"""The shop's product catalogue: contract, Spark transform and sample generator."""
