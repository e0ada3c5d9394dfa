-- The warehouse's size and suspension per stage (snowflake/stages.yml). Repeatable: changing a
-- stage's settings re-applies it. The warehouse itself is created by V1.
USE ROLE {{ objects_admin_role }};

ALTER WAREHOUSE {{ warehouse }} SET
  WAREHOUSE_SIZE = {{ warehouse_size }}
  AUTO_SUSPEND = {{ warehouse_auto_suspend_seconds }}
  AUTO_RESUME = TRUE;
