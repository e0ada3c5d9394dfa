-- Snowflake reads the processed bucket by assuming an IAM role: SnowflakeStorageRole in
-- resources/snowflake.yml, read-only on the published prefixes. Setting it up takes two steps
-- (snowflake/README.md): this script creates the integration naming the role; DESC INTEGRATION
-- then gives the IAM user and external ID the role must trust, and a deploy with those creates it.
--
-- IF NOT EXISTS, never OR REPLACE: a re-created integration gets a new external ID, and the
-- role's trust policy no longer matches it.
USE ROLE ACCOUNTADMIN;

CREATE STORAGE INTEGRATION IF NOT EXISTS SHOPLAKE_PROD_PROCESSED_S3
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/shoplake-prod-snowflake-storage'
  STORAGE_ALLOWED_LOCATIONS = ('s3://shoplake-prod-processed-123456789012/')
  COMMENT = 'shoplake prod: read access to the processed bucket';

GRANT USAGE ON INTEGRATION SHOPLAKE_PROD_PROCESSED_S3 TO ROLE SYSADMIN;

USE ROLE SYSADMIN;

CREATE FILE FORMAT IF NOT EXISTS SHOPLAKE.RAW.PARQUET_FORMAT
  TYPE = PARQUET
  COMMENT = 'Published tables: Parquet written by the Glue flatten job';

CREATE FILE FORMAT IF NOT EXISTS SHOPLAKE.RAW.JSON_FORMAT
  TYPE = JSON
  COMMENT = 'Run manifests: one JSON document per file';

-- The stage is the bucket root, so every path Snowflake reports or accepts — METADATA$FILENAME,
-- EXTERNAL_TABLE_FILES.FILE_NAME, ALTER EXTERNAL TABLE … REFRESH '<path>' — is the object key
-- itself (shoplake/layout.py), which is what the refresh function compares with its manifest.
CREATE STAGE IF NOT EXISTS SHOPLAKE.RAW.PROCESSED_STAGE
  URL = 's3://shoplake-prod-processed-123456789012/'
  STORAGE_INTEGRATION = SHOPLAKE_PROD_PROCESSED_S3
  FILE_FORMAT = (FORMAT_NAME = 'SHOPLAKE.RAW.PARQUET_FORMAT')
  COMMENT = 'shoplake prod: the processed bucket';
