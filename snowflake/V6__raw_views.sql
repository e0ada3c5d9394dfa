-- The raw tables dbt reads become views (R__external_tables.sql): each published table's files are
-- now read through <TABLE>__SOURCES (each source's own files) and <TABLE>__SEGMENTS (compaction's
-- merged copies), and the view <TABLE> reads each source from exactly one of them. The external
-- tables that earlier versions named <TABLE> (V4, and R__external_tables.sql before this version)
-- are dropped once, here, so the views can take their names. They held only file registrations:
-- no data is lost, and R__external_tables.sql (which runs after this script) registers the files again.
USE ROLE {{ objects_admin_role }};

DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.REVIEWS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.REVIEW_IMAGES;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.PRODUCTS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.TRANSACTIONS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CART_EVENTS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_FACT_SALES;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_DIM_USERS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS;
DROP EXTERNAL TABLE IF EXISTS {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE;
