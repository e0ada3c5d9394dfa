-- GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/snowflake/external_tables.py:
-- do not edit; change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails
-- while this file and the contracts disagree).
--
-- External tables over the processed bucket: one per published table of every dataset, each
-- quarantine table included, and PIPELINE_RUNS over the run manifests. Columns follow the
-- contracts name for name: string VARCHAR, bigint BIGINT, int INT, double DOUBLE, boolean
-- BOOLEAN, timestamp TIMESTAMP_NTZ (UTC wall-clock time, as in DuckDB), date DATE,
-- decimal(12,2) NUMBER(12,2), map<string,…> OBJECT.
--
-- Every table reads from the stage root and picks its files with PATTERN (anchored on its own
-- prefix, `.parquet` only: no _SUCCESS markers, no scratch files), so file names are object keys
-- (see V3). A partition column comes from its `<column>=<value>` path segment.
--
-- AUTO_REFRESH: Snowflake registers files as S3 notifies it (stage param
-- snowflakeS3NotificationChannel, snowflake/README.md). The refresh function does not depend on
-- it: it refreshes each published source and checks what got registered.
--
-- Repeatable: OR REPLACE keeps it re-runnable (an external table holds no data, only file
-- registrations, which REFRESH_ON_CREATE rebuilds), and it runs again whenever it changes. It
-- supersedes V4's definitions of the reviews tables. Future grants (R__grants.sql) re-grant SELECT.
USE ROLE {{ objects_admin_role }};

-- ─── reviews: Product reviews: Amazon review dumps and the shop's own review form.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS (
  review_id VARCHAR AS (VALUE:review_id::VARCHAR),
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  parent_product_id VARCHAR AS (VALUE:parent_product_id::VARCHAR),
  reviewer_id VARCHAR AS (VALUE:reviewer_id::VARCHAR),
  reviewer_name VARCHAR AS (VALUE:reviewer_name::VARCHAR),
  rating INT AS (VALUE:rating::INT),
  title VARCHAR AS (VALUE:title::VARCHAR),
  review_text VARCHAR AS (VALUE:review_text::VARCHAR),
  review_ts TIMESTAMP_NTZ AS (VALUE:review_ts::TIMESTAMP_NTZ),
  review_date DATE AS (VALUE:review_date::DATE),
  helpful_votes BIGINT AS (VALUE:helpful_votes::BIGINT),
  total_votes BIGINT AS (VALUE:total_votes::BIGINT),
  verified_purchase BOOLEAN AS (VALUE:verified_purchase::BOOLEAN),
  image_count INT AS (VALUE:image_count::INT),
  style OBJECT AS (VALUE:style::OBJECT),
  source_format VARCHAR AS (VALUE:source_format::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  review_year INT AS (TO_NUMBER(REGEXP_SUBSTR(METADATA$FILENAME, '/review_year=([0-9]{4})/', 1, 1, 'e', 1)))
)
PARTITION BY (review_year)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'reviews/source=[^/]+/run=[^/]+/review_year=[0-9]{4}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per review per publishing run (a review repeated in a later file appears once per file).';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES (
  review_id VARCHAR AS (VALUE:review_id::VARCHAR),
  image_url VARCHAR AS (VALUE:image_url::VARCHAR),
  variant VARCHAR AS (VALUE:variant::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  review_year INT AS (TO_NUMBER(REGEXP_SUBSTR(METADATA$FILENAME, '/review_year=([0-9]{4})/', 1, 1, 'e', 1)))
)
PARTITION BY (review_year)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'review_images/source=[^/]+/run=[^/]+/review_year=[0-9]{4}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per image of a review per publishing run.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'reviews_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── products: The shop's product catalogue, one snapshot per file (the history is kept).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS (
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  name VARCHAR AS (VALUE:name::VARCHAR),
  category VARCHAR AS (VALUE:category::VARCHAR),
  brand VARCHAR AS (VALUE:brand::VARCHAR),
  price NUMBER(12,2) AS (VALUE:price::NUMBER(12,2)),
  stock BIGINT AS (VALUE:stock::BIGINT),
  updated_at TIMESTAMP_NTZ AS (VALUE:updated_at::TIMESTAMP_NTZ),
  updated_at_given BOOLEAN AS (VALUE:updated_at_given::BOOLEAN),
  source_format VARCHAR AS (VALUE:source_format::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'products/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per product per catalogue file (each file is a snapshot).';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'products_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── transactions: The shop's order lines (every line is a sale; its status is its final state).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS (
  transaction_id VARCHAR AS (VALUE:transaction_id::VARCHAR),
  order_id VARCHAR AS (VALUE:order_id::VARCHAR),
  customer_id VARCHAR AS (VALUE:customer_id::VARCHAR),
  is_guest BOOLEAN AS (VALUE:is_guest::BOOLEAN),
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  product_name VARCHAR AS (VALUE:product_name::VARCHAR),
  quantity BIGINT AS (VALUE:quantity::BIGINT),
  price NUMBER(12,2) AS (VALUE:price::NUMBER(12,2)),
  total_amount NUMBER(12,2) AS (VALUE:total_amount::NUMBER(12,2)),
  currency VARCHAR AS (VALUE:currency::VARCHAR),
  status VARCHAR AS (VALUE:status::VARCHAR),
  transaction_ts TIMESTAMP_NTZ AS (VALUE:transaction_ts::TIMESTAMP_NTZ),
  transaction_date DATE AS (VALUE:transaction_date::DATE),
  customer_country VARCHAR AS (VALUE:customer_country::VARCHAR),
  source_format VARCHAR AS (VALUE:source_format::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  transaction_month VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/transaction_month=([0-9A-Za-z_-]+)/', 1, 1, 'e', 1))
)
PARTITION BY (transaction_month)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'transactions/source=[^/]+/run=[^/]+/transaction_month=[0-9A-Za-z_-]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per order line per publishing run.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'transactions_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── clickstream: The shop's clickstream: one record per tracked event of a visit.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS (
  event_id VARCHAR AS (VALUE:event_id::VARCHAR),
  session_id VARCHAR AS (VALUE:session_id::VARCHAR),
  customer_id VARCHAR AS (VALUE:customer_id::VARCHAR),
  is_anonymous BOOLEAN AS (VALUE:is_anonymous::BOOLEAN),
  event_type VARCHAR AS (VALUE:event_type::VARCHAR),
  page VARCHAR AS (VALUE:page::VARCHAR),
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  category_code VARCHAR AS (VALUE:category_code::VARCHAR),
  brand VARCHAR AS (VALUE:brand::VARCHAR),
  event_ts TIMESTAMP_NTZ AS (VALUE:event_ts::TIMESTAMP_NTZ),
  device VARCHAR AS (VALUE:device::VARCHAR),
  price NUMBER(12,2) AS (VALUE:price::NUMBER(12,2)),
  source_format VARCHAR AS (VALUE:source_format::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  event_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/event_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1)))
)
PARTITION BY (event_date)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'clickstream_events/source=[^/]+/run=[^/]+/event_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per event per publishing run; event_date (UTC) is the partition.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'clickstream_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── cart_events: The shop's cart events: items added to and removed from carts, and checkouts.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS (
  event_id VARCHAR AS (VALUE:event_id::VARCHAR),
  cart_id VARCHAR AS (VALUE:cart_id::VARCHAR),
  customer_id VARCHAR AS (VALUE:customer_id::VARCHAR),
  event_type VARCHAR AS (VALUE:event_type::VARCHAR),
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  quantity BIGINT AS (VALUE:quantity::BIGINT),
  unit_price NUMBER(12,2) AS (VALUE:unit_price::NUMBER(12,2)),
  event_ts TIMESTAMP_NTZ AS (VALUE:event_ts::TIMESTAMP_NTZ),
  source_format VARCHAR AS (VALUE:source_format::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  event_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/event_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1)))
)
PARTITION BY (event_date)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cart_events/source=[^/]+/run=[^/]+/event_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per cart event per publishing run; event_date (UTC) is the partition.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cart_events_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── cdc_fact_sales: Changes captured from the operational database's fact_sales: one row per order line: PENDING → SHIPPED → DELIVERED, or CANCELLED.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES (
  sale_id BIGINT AS (VALUE:sale_id::BIGINT),
  user_id BIGINT AS (VALUE:user_id::BIGINT),
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  quantity INT AS (VALUE:quantity::INT),
  total_amount NUMBER(12,2) AS (VALUE:total_amount::NUMBER(12,2)),
  status VARCHAR AS (VALUE:status::VARCHAR),
  created_at TIMESTAMP_NTZ AS (VALUE:created_at::TIMESTAMP_NTZ),
  updated_at TIMESTAMP_NTZ AS (VALUE:updated_at::TIMESTAMP_NTZ),
  change_op VARCHAR AS (VALUE:change_op::VARCHAR),
  changed_at TIMESTAMP_NTZ AS (VALUE:changed_at::TIMESTAMP_NTZ),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1)))
)
PARTITION BY (change_date)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_fact_sales/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a fact_sales row per publishing run; change_date (UTC) is the partition.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_fact_sales_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── cdc_dim_users: Changes captured from the operational database's dim_users: the shop's customers (a user who moves has a new city and address).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS (
  user_id BIGINT AS (VALUE:user_id::BIGINT),
  name VARCHAR AS (VALUE:name::VARCHAR),
  email VARCHAR AS (VALUE:email::VARCHAR),
  city VARCHAR AS (VALUE:city::VARCHAR),
  address VARCHAR AS (VALUE:address::VARCHAR),
  updated_at TIMESTAMP_NTZ AS (VALUE:updated_at::TIMESTAMP_NTZ),
  change_op VARCHAR AS (VALUE:change_op::VARCHAR),
  changed_at TIMESTAMP_NTZ AS (VALUE:changed_at::TIMESTAMP_NTZ),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1)))
)
PARTITION BY (change_date)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_users/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_users row per publishing run; change_date (UTC) is the partition.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_users_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- ─── cdc_dim_products: Changes captured from the operational database's dim_products: the products the order system sells, at their current price.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS (
  product_id VARCHAR AS (VALUE:product_id::VARCHAR),
  name VARCHAR AS (VALUE:name::VARCHAR),
  category VARCHAR AS (VALUE:category::VARCHAR),
  price NUMBER(12,2) AS (VALUE:price::NUMBER(12,2)),
  updated_at TIMESTAMP_NTZ AS (VALUE:updated_at::TIMESTAMP_NTZ),
  change_op VARCHAR AS (VALUE:change_op::VARCHAR),
  changed_at TIMESTAMP_NTZ AS (VALUE:changed_at::TIMESTAMP_NTZ),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  ingested_at TIMESTAMP_NTZ AS (VALUE:ingested_at::TIMESTAMP_NTZ),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1)))
)
PARTITION BY (change_date)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_products/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_products row per publishing run; change_date (UTC) is the partition.';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_products_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.';

-- One row per execution that published a source, for every dataset: the pipeline's own health record.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PIPELINE_RUNS (
  dataset VARCHAR AS (VALUE:dataset::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  source_id VARCHAR AS (VALUE:source_id::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  pipeline_version VARCHAR AS (VALUE:pipeline_version::VARCHAR),
  committed_at TIMESTAMP_NTZ AS (CONVERT_TIMEZONE('UTC', VALUE:committed_at::TIMESTAMP_TZ)::TIMESTAMP_NTZ),
  records_read BIGINT AS (VALUE:counts.records_read::BIGINT),
  processed BIGINT AS (VALUE:counts.processed::BIGINT),
  quarantined BIGINT AS (VALUE:counts.quarantined::BIGINT),
  duplicates BIGINT AS (VALUE:counts.duplicates::BIGINT),
  quarantine_reasons OBJECT AS (VALUE:quarantine_reasons::OBJECT),
  clean_seconds DOUBLE AS (VALUE:timings.clean_seconds::DOUBLE),
  flatten_seconds DOUBLE AS (VALUE:timings.flatten_seconds::DOUBLE)
)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_manifests/[a-z0-9_]+/runs/[^/]+[.]json'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.JSON_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per execution that published a source object, of any dataset.';

-- The loader role owns the tables: only the owner may ALTER EXTERNAL TABLE … REFRESH.
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PIPELINE_RUNS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
