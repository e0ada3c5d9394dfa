-- What each shoplake role may do, and nothing more. Repeatable: `shoplake snowflake apply` runs
-- it again whenever it (or a stage's names) changes. GRANT is idempotent; taking a privilege away
-- needs an explicit REVOKE here.
USE ROLE {{ security_admin_role }};

-- loader (the refresh function): owns the raw external tables (V4); refreshing them reads the
-- stage with its file formats, and checking the registration runs on the warehouse.
GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ loader_role }};
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ loader_role }};
GRANT USAGE ON SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ loader_role }};
GRANT USAGE ON STAGE {{ database }}.{{ raw_schema }}.{{ stage_name }} TO ROLE {{ loader_role }};
GRANT USAGE ON FILE FORMAT {{ database }}.{{ raw_schema }}.PARQUET_FORMAT TO ROLE {{ loader_role }};
GRANT USAGE ON FILE FORMAT {{ database }}.{{ raw_schema }}.JSON_FORMAT TO ROLE {{ loader_role }};
-- it owns the raw views too, and re-creates them as sources land and segments are compacted
GRANT CREATE VIEW ON SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ loader_role }};

-- transformer (dbt): reads the raw external tables and views, present and future; owns what it builds in
-- staging and marts. No stage access: it reads files only through the external tables.
GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ transformer_role }};
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ transformer_role }};
GRANT USAGE ON SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ transformer_role }};
GRANT SELECT ON ALL EXTERNAL TABLES IN SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ transformer_role }};
GRANT SELECT ON FUTURE EXTERNAL TABLES IN SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ transformer_role }};
GRANT SELECT ON ALL VIEWS IN SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ transformer_role }};
GRANT SELECT ON FUTURE VIEWS IN SCHEMA {{ database }}.{{ raw_schema }} TO ROLE {{ transformer_role }};
GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA {{ database }}.{{ staging_schema }} TO ROLE {{ transformer_role }};
GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ transformer_role }};
GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA {{ database }}.{{ silver_schema }} TO ROLE {{ transformer_role }};

-- reporter (QuickSight, dashboards): reads the marts, present and future, and nothing else.
GRANT USAGE ON WAREHOUSE {{ warehouse }} TO ROLE {{ reporter_role }};
GRANT USAGE ON DATABASE {{ database }} TO ROLE {{ reporter_role }};
GRANT USAGE ON SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ reporter_role }};
GRANT SELECT ON ALL TABLES IN SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ reporter_role }};
GRANT SELECT ON ALL VIEWS IN SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ reporter_role }};
GRANT SELECT ON FUTURE TABLES IN SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ reporter_role }};
GRANT SELECT ON FUTURE VIEWS IN SCHEMA {{ database }}.{{ marts_schema }} TO ROLE {{ reporter_role }};
