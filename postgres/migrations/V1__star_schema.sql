-- The shop's operational store: a star schema the order system writes. shoplake reads it only
-- through change capture (shoplake/core/postgres/), never with analytical queries.
--
-- updated_at belongs to the database, not the application: a trigger (V2) sets it on every
-- insert and update, with clock_timestamp() (microseconds, timestamptz: UTC inside).

create table dim_users (
    user_id     bigint generated always as identity primary key,
    name        text        not null,
    email       text        not null unique,
    city        text        not null,
    address     text        not null,
    updated_at  timestamptz not null default clock_timestamp()
);

create table dim_products (
    product_id  text          primary key,
    name        text          not null,
    category    text          not null,
    price       numeric(12,2) not null check (price >= 0),
    updated_at  timestamptz   not null default clock_timestamp()
);

create table fact_sales (
    sale_id       bigint generated always as identity primary key,
    user_id       bigint        not null references dim_users (user_id),
    product_id    text          not null references dim_products (product_id),
    quantity      integer       not null check (quantity >= 1),
    total_amount  numeric(12,2) not null check (total_amount >= 0),
    status        text          not null default 'PENDING'
                  check (status in ('PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
    created_at    timestamptz   not null default clock_timestamp(),
    updated_at    timestamptz   not null default clock_timestamp()
);

create index fact_sales_user on fact_sales (user_id);
