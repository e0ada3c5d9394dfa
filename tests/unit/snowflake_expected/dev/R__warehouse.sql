-- The warehouse's size and suspension per stage (snowflake/stages.yml). Repeatable: changing a
-- stage's settings re-applies it. The warehouse itself is created by V1.
USE ROLE SYSADMIN;

ALTER WAREHOUSE SHOPLAKE_DEV_WH SET
  WAREHOUSE_SIZE = XSMALL
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE;
