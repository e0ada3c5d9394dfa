-- Snowflake reads the processed bucket by assuming an IAM role: SnowflakeStorageRole in
-- resources/snowflake.yml, read-only on the published prefixes. Setting it up takes two steps
-- (snowflake/README.md): this script creates the integration naming the role; DESC INTEGRATION
-- then gives the IAM user and external ID the role must trust, and a deploy with those creates it.
--
-- IF NOT EXISTS, never OR REPLACE: a re-created integration gets a new external ID, and the
-- role's trust policy no longer matches it.
USE ROLE {{ integration_admin_role }};

CREATE STORAGE INTEGRATION IF NOT EXISTS {{ integration }}
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = '{{ storage_role_arn }}'
  STORAGE_ALLOWED_LOCATIONS = ('s3://{{ processed_bucket }}/')
  COMMENT = 'shoplake {{ stage }}: read access to the processed bucket';

GRANT USAGE ON INTEGRATION {{ integration }} TO ROLE {{ objects_admin_role }};

USE ROLE {{ objects_admin_role }};

CREATE FILE FORMAT IF NOT EXISTS {{ database }}.{{ raw_schema }}.PARQUET_FORMAT
  TYPE = PARQUET
  COMMENT = 'Published tables: Parquet written by the Glue flatten job';

CREATE FILE FORMAT IF NOT EXISTS {{ database }}.{{ raw_schema }}.JSON_FORMAT
  TYPE = JSON
  COMMENT = 'Run manifests: one JSON document per file';

-- The stage is the bucket root, so every path Snowflake reports or accepts — METADATA$FILENAME,
-- EXTERNAL_TABLE_FILES.FILE_NAME, ALTER EXTERNAL TABLE … REFRESH '<path>' — is the object key
-- itself (shoplake/layout.py), which is what the refresh function compares with its manifest.
CREATE STAGE IF NOT EXISTS {{ database }}.{{ raw_schema }}.{{ stage_name }}
  URL = 's3://{{ processed_bucket }}/'
  STORAGE_INTEGRATION = {{ integration }}
  FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
  COMMENT = 'shoplake {{ stage }}: the processed bucket';
