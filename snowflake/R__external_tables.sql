-- GENERATED from the dataset contracts (shoplake/datasets/) by shoplake/tooling/snowflake/external_tables.py:
-- do not edit; change a contract and run `.venv/bin/python -m shoplake.tooling.generate` (a test fails
-- while this file and the contracts disagree).
--
-- External tables over the processed bucket, for each published table of every dataset (each
-- quarantine table included): <TABLE>__SOURCES over the sources' own files, <TABLE>__SEGMENTS
-- over compaction's segments (many small sources merged into one file, shoplake.core.compaction),
-- and the view <TABLE> that dbt reads: the refresh function re-creates it so that each source is
-- read from one place, its own files or the live segment holding it. PIPELINE_RUNS over the run
-- manifests. Columns follow the
-- contracts name for name: string VARCHAR, bigint BIGINT, int INT, double DOUBLE, boolean
-- BOOLEAN, timestamp TIMESTAMP_NTZ (UTC wall-clock time, as in DuckDB), date DATE,
-- decimal(12,2) NUMBER(12,2), map<string,…> OBJECT.
--
-- Every table reads from the stage root and picks its files with PATTERN (anchored on its own
-- prefix, `.parquet` only: no _SUCCESS markers, no scratch files), so file names are object keys
-- (see V3). A partition column comes from its `<column>=<value>` path segment (in a segment, from
-- the file: a segment holds many partition values).
--
-- AUTO_REFRESH: Snowflake registers files as S3 notifies it (stage param
-- snowflakeS3NotificationChannel, snowflake/README.md). The refresh function does not depend on
-- it: it refreshes each published source and checks what got registered.
--
-- Repeatable: OR REPLACE keeps it re-runnable (an external table holds no data, only file
-- registrations, which REFRESH_ON_CREATE rebuilds), and it runs again whenever it changes. It
-- supersedes V4's definitions of the reviews tables (V6 dropped the external tables earlier
-- versions named <TABLE>, so the views could take the names). Grants: R__grants.sql.
USE ROLE {{ objects_admin_role }};

-- ─── reviews: Product reviews: Amazon review dumps and the shop's own review form.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS__SOURCES (
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
  review_year INT AS (TO_NUMBER(REGEXP_SUBSTR(METADATA$FILENAME, '/review_year=([0-9]{4})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (review_year, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'reviews/source=[^/]+/run=[^/]+/review_year=[0-9]{4}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per review per publishing run (a review repeated in a later file appears once per file). (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS__SEGMENTS (
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
  review_year INT AS (TO_NUMBER(VALUE:review_year::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/reviews/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/reviews/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per review per publishing run (a review repeated in a later file appears once per file). (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.REVIEWS COPY GRANTS
  COMMENT = 'shoplake: One row per review per publishing run (a review repeated in a later file appears once per file).'
  AS SELECT review_id, product_id, parent_product_id, reviewer_id, reviewer_name, rating, title, review_text, review_ts, review_date, helpful_votes, total_votes, verified_purchase, image_count, style, source_format, source_uri, line_number, ingested_at, run_id, review_year FROM {{ database }}.{{ raw_schema }}.REVIEWS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES__SOURCES (
  review_id VARCHAR AS (VALUE:review_id::VARCHAR),
  image_url VARCHAR AS (VALUE:image_url::VARCHAR),
  variant VARCHAR AS (VALUE:variant::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  review_year INT AS (TO_NUMBER(REGEXP_SUBSTR(METADATA$FILENAME, '/review_year=([0-9]{4})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (review_year, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'review_images/source=[^/]+/run=[^/]+/review_year=[0-9]{4}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per image of a review per publishing run. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES__SEGMENTS (
  review_id VARCHAR AS (VALUE:review_id::VARCHAR),
  image_url VARCHAR AS (VALUE:image_url::VARCHAR),
  variant VARCHAR AS (VALUE:variant::VARCHAR),
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  review_year INT AS (TO_NUMBER(VALUE:review_year::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/review_images/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/review_images/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per image of a review per publishing run. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.REVIEW_IMAGES COPY GRANTS
  COMMENT = 'shoplake: One row per image of a review per publishing run.'
  AS SELECT review_id, image_url, variant, source_uri, run_id, review_year FROM {{ database }}.{{ raw_schema }}.REVIEW_IMAGES__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'reviews_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/reviews_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/reviews_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE__SOURCES;

-- ─── products: The shop's product catalogue, one snapshot per file (the history is kept).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS__SOURCES (
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
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'products/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per product per catalogue file (each file is a snapshot). (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS__SEGMENTS (
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
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/products/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/products/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per product per catalogue file (each file is a snapshot). (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.PRODUCTS COPY GRANTS
  COMMENT = 'shoplake: One row per product per catalogue file (each file is a snapshot).'
  AS SELECT product_id, name, category, brand, price, stock, updated_at, updated_at_given, source_format, source_uri, line_number, ingested_at, run_id FROM {{ database }}.{{ raw_schema }}.PRODUCTS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'products_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/products_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/products_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE__SOURCES;

-- ─── transactions: The shop's order lines (every line is a sale; its status is its final state).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS__SOURCES (
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
  transaction_month VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/transaction_month=([0-9A-Za-z_-]+)/', 1, 1, 'e', 1)),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (transaction_month, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'transactions/source=[^/]+/run=[^/]+/transaction_month=[0-9A-Za-z_-]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per order line per publishing run. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS__SEGMENTS (
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
  transaction_month VARCHAR AS (VALUE:transaction_month::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/transactions/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/transactions/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per order line per publishing run. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.TRANSACTIONS COPY GRANTS
  COMMENT = 'shoplake: One row per order line per publishing run.'
  AS SELECT transaction_id, order_id, customer_id, is_guest, product_id, product_name, quantity, price, total_amount, currency, status, transaction_ts, transaction_date, customer_country, source_format, source_uri, line_number, ingested_at, run_id, transaction_month FROM {{ database }}.{{ raw_schema }}.TRANSACTIONS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'transactions_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/transactions_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/transactions_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE__SOURCES;

-- ─── clickstream: The shop's clickstream: one record per tracked event of a visit.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS__SOURCES (
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
  event_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/event_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (event_date, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'clickstream_events/source=[^/]+/run=[^/]+/event_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per event per publishing run; event_date (UTC) is the partition. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS__SEGMENTS (
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
  event_date DATE AS (TO_DATE(VALUE:event_date::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/clickstream_events/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/clickstream_events/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per event per publishing run; event_date (UTC) is the partition. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS COPY GRANTS
  COMMENT = 'shoplake: One row per event per publishing run; event_date (UTC) is the partition.'
  AS SELECT event_id, session_id, customer_id, is_anonymous, event_type, page, product_id, category_code, brand, event_ts, device, price, source_format, source_uri, line_number, ingested_at, run_id, event_date FROM {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'clickstream_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/clickstream_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/clickstream_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE__SOURCES;

-- ─── cart_events: The shop's cart events: items added to and removed from carts, and checkouts.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS__SOURCES (
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
  event_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/event_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (event_date, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cart_events/source=[^/]+/run=[^/]+/event_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per cart event per publishing run; event_date (UTC) is the partition. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS__SEGMENTS (
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
  event_date DATE AS (TO_DATE(VALUE:event_date::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cart_events/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cart_events/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per cart event per publishing run; event_date (UTC) is the partition. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CART_EVENTS COPY GRANTS
  COMMENT = 'shoplake: One row per cart event per publishing run; event_date (UTC) is the partition.'
  AS SELECT event_id, cart_id, customer_id, event_type, product_id, quantity, unit_price, event_ts, source_format, source_uri, line_number, ingested_at, run_id, event_date FROM {{ database }}.{{ raw_schema }}.CART_EVENTS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cart_events_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cart_events_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cart_events_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE__SOURCES;

-- ─── cdc_fact_sales: Changes captured from the operational database's fact_sales: one row per order line: PENDING → SHIPPED → DELIVERED, or CANCELLED.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES__SOURCES (
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
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (change_date, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_fact_sales/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a fact_sales row per publishing run; change_date (UTC) is the partition. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES__SEGMENTS (
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
  change_date DATE AS (TO_DATE(VALUE:change_date::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_fact_sales/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_fact_sales/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a fact_sales row per publishing run; change_date (UTC) is the partition. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_FACT_SALES COPY GRANTS
  COMMENT = 'shoplake: One row per captured version (or deletion) of a fact_sales row per publishing run; change_date (UTC) is the partition.'
  AS SELECT sale_id, user_id, product_id, quantity, total_amount, status, created_at, updated_at, change_op, changed_at, source_uri, line_number, ingested_at, run_id, change_date FROM {{ database }}.{{ raw_schema }}.CDC_FACT_SALES__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_fact_sales_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_fact_sales_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_fact_sales_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE__SOURCES;

-- ─── cdc_dim_users: Changes captured from the operational database's dim_users: the shop's customers (a user who moves has a new city and address).
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS__SOURCES (
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
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (change_date, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_users/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_users row per publishing run; change_date (UTC) is the partition. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS__SEGMENTS (
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
  change_date DATE AS (TO_DATE(VALUE:change_date::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_dim_users/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_dim_users/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_users row per publishing run; change_date (UTC) is the partition. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_USERS COPY GRANTS
  COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_users row per publishing run; change_date (UTC) is the partition.'
  AS SELECT user_id, name, email, city, address, updated_at, change_op, changed_at, source_uri, line_number, ingested_at, run_id, change_date FROM {{ database }}.{{ raw_schema }}.CDC_DIM_USERS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_users_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_dim_users_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_dim_users_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE__SOURCES;

-- ─── cdc_dim_products: Changes captured from the operational database's dim_products: the products the order system sells, at their current price.
CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS__SOURCES (
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
  change_date DATE AS (TO_DATE(REGEXP_SUBSTR(METADATA$FILENAME, '/change_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1, 1, 'e', 1))),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (change_date, source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_products/source=[^/]+/run=[^/]+/change_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_products row per publishing run; change_date (UTC) is the partition. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS__SEGMENTS (
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
  change_date DATE AS (TO_DATE(VALUE:change_date::VARCHAR)),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_dim_products/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_dim_products/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_products row per publishing run; change_date (UTC) is the partition. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS COPY GRANTS
  COMMENT = 'shoplake: One row per captured version (or deletion) of a dim_products row per publishing run; change_date (UTC) is the partition.'
  AS SELECT product_id, name, category, price, updated_at, change_op, changed_at, source_uri, line_number, ingested_at, run_id, change_date FROM {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS__SOURCES;

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE__SOURCES (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  source_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '/source=([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (source_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = 'cdc_dim_products_quarantine/source=[^/]+/run=[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (each source''s own files)';

CREATE OR REPLACE EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE__SEGMENTS (
  source_uri VARCHAR AS (VALUE:source_uri::VARCHAR),
  line_number BIGINT AS (VALUE:line_number::BIGINT),
  reason VARCHAR AS (VALUE:reason::VARCHAR),
  raw_record VARCHAR AS (VALUE:raw_record::VARCHAR),
  run_id VARCHAR AS (VALUE:run_id::VARCHAR),
  segment_id VARCHAR AS (REGEXP_SUBSTR(METADATA$FILENAME, '^_segments/cdc_dim_products_quarantine/([^/]+)/', 1, 1, 'e', 1))
)
PARTITION BY (segment_id)
LOCATION = @{{ database }}.{{ raw_schema }}.{{ stage_name }}/
PATTERN = '_segments/cdc_dim_products_quarantine/[^/]+/[^/]+[.]parquet'
FILE_FORMAT = (FORMAT_NAME = '{{ database }}.{{ raw_schema }}.PARQUET_FORMAT')
AUTO_REFRESH = TRUE
REFRESH_ON_CREATE = TRUE
COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code. (compacted segments)';

CREATE OR REPLACE VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE COPY GRANTS
  COMMENT = 'shoplake: One row per quarantined record of the current run of each file, with its reason code.'
  AS SELECT source_uri, line_number, reason, raw_record, run_id FROM {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE__SOURCES;

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

-- The loader role owns the tables and the views: only the owner may ALTER EXTERNAL TABLE … REFRESH,
-- and the refresh function re-creates the views as sources land and segments are compacted.
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEW_IMAGES__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE__SOURCES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE__SEGMENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON EXTERNAL TABLE {{ database }}.{{ raw_schema }}.PIPELINE_RUNS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.REVIEWS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.REVIEW_IMAGES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.REVIEWS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.PRODUCTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.PRODUCTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.TRANSACTIONS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.TRANSACTIONS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CLICKSTREAM_EVENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CLICKSTREAM_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CART_EVENTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CART_EVENTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_FACT_SALES TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_FACT_SALES_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_USERS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_USERS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
GRANT OWNERSHIP ON VIEW {{ database }}.{{ raw_schema }}.CDC_DIM_PRODUCTS_QUARANTINE TO ROLE {{ loader_role }} COPY CURRENT GRANTS;
