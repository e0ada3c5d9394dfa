"""Amazon product reviews: contract, Spark transform and sample generator."""
