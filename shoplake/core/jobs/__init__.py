"""Glue job logic: ``run(spark, args) -> manifest``. All of a job's I/O lives here; glue/ only calls it."""
