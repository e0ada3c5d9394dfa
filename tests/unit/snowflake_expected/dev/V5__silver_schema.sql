-- The silver schema: dbt's current state of the operational database's tables, built from the
-- change capture (dbt/models/silver/). Owned like staging and marts; the transformer builds in it.
USE ROLE SYSADMIN;

CREATE SCHEMA IF NOT EXISTS SHOPLAKE_DEV.SILVER
  COMMENT = 'dbt silver models: the operational database as of its newest captured change';
