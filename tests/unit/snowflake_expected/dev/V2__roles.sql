-- One role per job, each with only what that job needs (the grants are in R__grants.sql):
--   loader       the refresh function: owns the raw external tables, since only the owner may
--                ALTER EXTERNAL TABLE … REFRESH them;
--   transformer  dbt: reads RAW, builds STAGING and MARTS;
--   reporter     QuickSight and dashboards: reads MARTS.
-- Users are not created here: grant a role to the service user of each job
-- (GRANT ROLE SHOPLAKE_DEV_LOADER TO USER …).
USE ROLE SECURITYADMIN;

CREATE ROLE IF NOT EXISTS SHOPLAKE_DEV_LOADER
  COMMENT = 'shoplake dev: owns and refreshes the raw external tables';

CREATE ROLE IF NOT EXISTS SHOPLAKE_DEV_TRANSFORMER
  COMMENT = 'shoplake dev: dbt, reads raw and builds staging and marts';

CREATE ROLE IF NOT EXISTS SHOPLAKE_DEV_REPORTER
  COMMENT = 'shoplake dev: reads the marts';

-- Custom roles roll up to SYSADMIN, so the system administrators keep control of
-- everything these roles own.
GRANT ROLE SHOPLAKE_DEV_LOADER TO ROLE SYSADMIN;
GRANT ROLE SHOPLAKE_DEV_TRANSFORMER TO ROLE SYSADMIN;
GRANT ROLE SHOPLAKE_DEV_REPORTER TO ROLE SYSADMIN;
