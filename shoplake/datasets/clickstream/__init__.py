"""The shop's clickstream: contract, Spark transform and sample generator."""
