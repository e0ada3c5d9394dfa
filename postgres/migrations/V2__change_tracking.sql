-- What change capture needs from the source (shoplake/core/postgres/):
--
-- * updated_at, set by a trigger on every insert and update, whatever the application sends:
--   clock_timestamp() is the statement's time, in microseconds; a row's version is
--   (updated_at, primary key), and the indexes below let a batch read "after (t, key)" in order.
-- * deletes, recorded by a trigger in deleted_rows (table, key, when), so that they reach the
--   lake as tombstones: a deleted row is otherwise simply gone.

create function shoplake_touch() returns trigger language plpgsql as $$
begin
    new.updated_at := clock_timestamp();
    return new;
end
$$;

create table deleted_rows (
    deletion_id  bigint generated always as identity primary key,
    table_name   text        not null,
    row_key      text        not null,
    deleted_at   timestamptz not null default clock_timestamp()
);

create function shoplake_record_delete() returns trigger language plpgsql as $$
begin
    insert into deleted_rows (table_name, row_key)
    values (tg_table_name, (to_jsonb(old) ->> tg_argv[0]));
    return old;
end
$$;

create trigger dim_users_touch before insert or update on dim_users
    for each row execute function shoplake_touch();
create trigger dim_products_touch before insert or update on dim_products
    for each row execute function shoplake_touch();
create trigger fact_sales_touch before insert or update on fact_sales
    for each row execute function shoplake_touch();

create trigger dim_users_deleted after delete on dim_users
    for each row execute function shoplake_record_delete('user_id');
create trigger dim_products_deleted after delete on dim_products
    for each row execute function shoplake_record_delete('product_id');
create trigger fact_sales_deleted after delete on fact_sales
    for each row execute function shoplake_record_delete('sale_id');

create index dim_users_version on dim_users (updated_at, user_id);
create index dim_products_version on dim_products (updated_at, product_id);
create index fact_sales_version on fact_sales (updated_at, sale_id);
create index deleted_rows_version on deleted_rows (deleted_at, deletion_id);
