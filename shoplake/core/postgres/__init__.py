"""The shop's operational PostgreSQL: its schema (versioned migrations in postgres/migrations/)
and, next, change capture from it. Runs wherever the database is reachable from (the local
runtime, a Lambda in the VPC of the RDS instance)."""
