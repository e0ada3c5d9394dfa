-- The stage's database, its schemas and the warehouse the shoplake roles run on.
--   {{ raw_schema }}: external tables over the processed bucket (V4), owned by the loader role.
--   {{ staging_schema }}, {{ marts_schema }}: built by dbt (the transformer role); reporting reads {{ marts_schema }}.
-- Every statement is re-runnable (IF NOT EXISTS): a script that failed half-way is simply run again.
USE ROLE {{ objects_admin_role }};

CREATE DATABASE IF NOT EXISTS {{ database }}
  COMMENT = 'shoplake {{ stage }}: raw external tables, dbt staging and marts';

CREATE SCHEMA IF NOT EXISTS {{ database }}.{{ raw_schema }}
  COMMENT = 'External tables over the processed bucket, refreshed by the pipeline';

CREATE SCHEMA IF NOT EXISTS {{ database }}.{{ staging_schema }}
  COMMENT = 'dbt staging models';

CREATE SCHEMA IF NOT EXISTS {{ database }}.{{ marts_schema }}
  COMMENT = 'dbt marts, read by reporting';

-- Created here, not with the other compute settings in R__warehouse.sql, because `shoplake
-- snowflake apply` records its history with it right after this script. Sized by R__warehouse.sql.
CREATE WAREHOUSE IF NOT EXISTS {{ warehouse }}
  WAREHOUSE_SIZE = XSMALL
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE
  COMMENT = 'shoplake {{ stage }}: refresh checks, dbt builds and reporting';
