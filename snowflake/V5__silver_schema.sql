-- The silver schema: dbt's current state of the operational database's tables, built from the
-- change capture (dbt/models/silver/). Owned like staging and marts; the transformer builds in it.
USE ROLE {{ objects_admin_role }};

CREATE SCHEMA IF NOT EXISTS {{ database }}.{{ silver_schema }}
  COMMENT = 'dbt silver models: the operational database as of its newest captured change';
