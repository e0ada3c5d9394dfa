-- One role per job, each with only what that job needs (the grants are in R__grants.sql):
--   loader       the refresh function: owns the raw external tables, since only the owner may
--                ALTER EXTERNAL TABLE … REFRESH them;
--   transformer  dbt: reads {{ raw_schema }}, builds {{ staging_schema }} and {{ marts_schema }};
--   reporter     QuickSight and dashboards: reads {{ marts_schema }}.
-- Users are not created here: grant a role to the service user of each job
-- (GRANT ROLE {{ loader_role }} TO USER …).
USE ROLE {{ security_admin_role }};

CREATE ROLE IF NOT EXISTS {{ loader_role }}
  COMMENT = 'shoplake {{ stage }}: owns and refreshes the raw external tables';

CREATE ROLE IF NOT EXISTS {{ transformer_role }}
  COMMENT = 'shoplake {{ stage }}: dbt, reads raw and builds staging and marts';

CREATE ROLE IF NOT EXISTS {{ reporter_role }}
  COMMENT = 'shoplake {{ stage }}: reads the marts';

-- Custom roles roll up to {{ objects_admin_role }}, so the system administrators keep control of
-- everything these roles own.
GRANT ROLE {{ loader_role }} TO ROLE {{ objects_admin_role }};
GRANT ROLE {{ transformer_role }} TO ROLE {{ objects_admin_role }};
GRANT ROLE {{ reporter_role }} TO ROLE {{ objects_admin_role }};
