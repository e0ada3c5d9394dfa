-- The stage's database, its schemas and the warehouse the shoplake roles run on.
--   RAW: external tables over the processed bucket (V4), owned by the loader role.
--   STAGING, MARTS: built by dbt (the transformer role); reporting reads MARTS.
-- Every statement is re-runnable (IF NOT EXISTS): a script that failed half-way is simply run again.
USE ROLE SYSADMIN;

CREATE DATABASE IF NOT EXISTS SHOPLAKE_DEV
  COMMENT = 'shoplake dev: raw external tables, dbt staging and marts';

CREATE SCHEMA IF NOT EXISTS SHOPLAKE_DEV.RAW
  COMMENT = 'External tables over the processed bucket, refreshed by the pipeline';

CREATE SCHEMA IF NOT EXISTS SHOPLAKE_DEV.STAGING
  COMMENT = 'dbt staging models';

CREATE SCHEMA IF NOT EXISTS SHOPLAKE_DEV.MARTS
  COMMENT = 'dbt marts, read by reporting';

-- Created here, not with the other compute settings in R__warehouse.sql, because `shoplake
-- snowflake apply` records its history with it right after this script. Sized by R__warehouse.sql.
CREATE WAREHOUSE IF NOT EXISTS SHOPLAKE_DEV_WH
  WAREHOUSE_SIZE = XSMALL
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE
  COMMENT = 'shoplake dev: refresh checks, dbt builds and reporting';
