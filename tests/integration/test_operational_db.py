"""The operational database on one machine: the embedded PostgreSQL, its migrations, the
triggers change capture relies on, the traffic simulator and the ``shoplake source`` commands."""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from datetime import UTC, datetime

import psycopg
import pytest
from click.testing import CliRunner

from shoplake.core.postgres.migrations import MIGRATIONS_DIR, MigrationError, migrate
from shoplake.local.postgres import LocalPostgres
from shoplake.tooling.cli import main
from shoplake.tooling.simulate import simulate

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("pg")
    pg = LocalPostgres(home)
    pg.start()
    yield pg
    pg.stop()


def fresh_database(server: LocalPostgres, migrated: bool = True) -> str:
    """A new empty database on the server (its URI), migrated unless told otherwise."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = server.uri().replace("/shop?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'create database "{name}"')  # a generated name
    uri = server.uri().replace("/shop?", f"/{name}?")
    if migrated:
        with psycopg.connect(uri) as con:
            migrate(con)
    return uri


def test_the_server_starts_once_and_migrates_the_shop_database(server):
    # Given the running server / When it is started again / Then it is the same one, migrated once
    before = server.status()
    again = server.start()
    assert (again.running, again.pid) == (True, before.pid)
    with psycopg.connect(server.uri()) as con:
        history = con.execute("select version, description from shoplake_schema_history order by 1").fetchall()
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'public' "
                             "order by 1").fetchall()  # fmt: skip
    assert history == [(1, "star schema"), (2, "change tracking")]
    assert [t for (t,) in tables] == ["deleted_rows", "dim_products", "dim_users", "fact_sales",
                                      "shoplake_schema_history"]  # fmt: skip


def test_a_changed_or_missing_migration_is_refused(server, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    uri = fresh_database(server, migrated=False)
    with psycopg.connect(uri) as con:
        assert migrate(con, folder) == [1, 2]
        assert migrate(con, folder) == []
        # an applied file edited afterwards
        (folder / "V2__change_tracking.sql").write_text("select 1;\n")
        with pytest.raises(MigrationError, match="V2 was applied, and its file changed since"):
            migrate(con, folder)
    # a gap in the versions
    shutil.copytree(MIGRATIONS_DIR, tmp_path / "gap")
    (tmp_path / "gap" / "V4__later.sql").write_text("select 1;\n")
    with psycopg.connect(fresh_database(server, migrated=False)) as con, pytest.raises(MigrationError, match="gaps"):
        migrate(con, tmp_path / "gap")


def test_updated_at_is_the_databases_and_deletes_are_recorded(server):
    uri = fresh_database(server)
    with psycopg.connect(uri, autocommit=True) as con:
        # Given an application that sends its own updated_at
        before = con.execute("select clock_timestamp()").fetchone()[0]
        con.execute("insert into dim_products (product_id, name, category, price, updated_at) "
                    "values ('P1', 'Kettle', 'home', 19.90, '2001-01-01')")  # fmt: skip
        (inserted,) = con.execute("select updated_at from dim_products").fetchone()
        con.execute("update dim_products set price = 17.50, updated_at = '2001-01-01' where product_id = 'P1'")
        (updated,) = con.execute("select updated_at from dim_products").fetchone()
        # Then the trigger's time stands, in microseconds, and moves on every change
        assert before < inserted < updated and updated.tzinfo is not None
        assert updated.utcoffset().total_seconds() == 0 and updated.year == datetime.now(UTC).year
        assert con.execute("select count(*) from dim_products where updated_at = %s", (updated,)).fetchone() == (1,)
        # And a delete leaves its key and time
        con.execute("insert into dim_users (name, email, city, address) values ('Ana', 'a@x', 'Austin', 'Elm 1')")
        con.execute("insert into fact_sales (user_id, product_id, quantity, total_amount) values (1, 'P1', 2, 35.00)")
        con.execute("delete from fact_sales where sale_id = 1")
        rows = con.execute("select table_name, row_key from deleted_rows").fetchall()
        assert rows == [("fact_sales", "1")]
        # And the schema refuses what the order system may not write
        with pytest.raises(psycopg.errors.CheckViolation):
            con.execute("insert into fact_sales (user_id, product_id, quantity, total_amount, status) "
                        "values (1, 'P1', 1, 17.50, 'LOST')")  # fmt: skip


def _contents(uri: str, with_ids: bool) -> dict[str, list]:
    with psycopg.connect(uri) as con:
        sales = con.execute("select sale_id, user_id, product_id, quantity, total_amount, status from fact_sales "
                            "order by sale_id").fetchall()  # fmt: skip
        users = con.execute("select user_id, city, address from dim_users order by user_id").fetchall()
        prices = con.execute("select product_id, price from dim_products order by product_id").fetchall()
        deleted = con.execute("select table_name, row_key from deleted_rows order by deletion_id").fetchall()
    if not with_ids:
        sales = sorted(s[1:] for s in sales)
        deleted = sorted(t for t, _ in deleted)
    return {"sales": sales, "users": users, "prices": prices, "deleted": deleted}


def test_one_writer_makes_the_same_database_for_a_seed(server):
    a, b = fresh_database(server), fresh_database(server)
    ra = simulate(a, operations=400, writers=1, seed=5)
    rb = simulate(b, operations=400, writers=1, seed=5)
    assert ra.seeded == {"dim_products": 120, "dim_users": 400}
    assert ra.operations == rb.operations and sum(ra.operations.values()) == 400
    assert _contents(a, with_ids=True) == _contents(b, with_ids=True)
    assert simulate(fresh_database(server), operations=400, writers=1, seed=6).operations != ra.operations


def test_concurrent_writers_do_the_same_for_a_seed_whatever_the_timing(server):
    a, b = fresh_database(server), fresh_database(server)
    ra = simulate(a, operations=800, writers=4, seed=5)
    rb = simulate(b, operations=800, writers=4, seed=5)
    assert ra.operations == rb.operations
    assert _contents(a, with_ids=False) == _contents(b, with_ids=False)
    # every operation left its mark: orders placed are the orders there plus the ones deleted
    with psycopg.connect(a) as con:
        (sales,) = con.execute("select count(*) from fact_sales").fetchone()
        (deleted,) = con.execute("select count(*) from deleted_rows where table_name = 'fact_sales'").fetchone()
        statuses = Counter(dict(con.execute("select status, count(*) from fact_sales group by 1").fetchall()))
    assert sales + deleted == ra.operations["order"]
    assert deleted == ra.operations["delete"]
    # each "advance" moved one order one step: PENDING → SHIPPED | CANCELLED, SHIPPED → DELIVERED
    # (a deleted order had been cancelled: one step)
    steps = statuses["SHIPPED"] + statuses["CANCELLED"] + 2 * statuses["DELIVERED"] + deleted
    assert steps == ra.operations["advance"]


def test_the_source_commands(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLAKE_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(main, ["source", "status"]).exit_code == 3
    assert "not running" in runner.invoke(main, ["source", "sql", "select 1"]).output
    started = runner.invoke(main, ["source", "start"])
    assert started.exit_code == 0, started.output
    try:
        simulated = runner.invoke(main, ["simulate", "--rate", "50", "--duration", "1", "--writers", "2"])
        assert simulated.exit_code == 0, simulated.output
        assert "seeded dim_products with 120 rows, dim_users with 400 rows" in simulated.output
        got = runner.invoke(main, ["source", "sql", "select count(*) as users from dim_users", "--format", "csv"])
        assert got.stdout.splitlines() == ["users", "400"]
        bad = runner.invoke(main, ["source", "sql", "select nope"])
        assert bad.exit_code == 1 and 'column "nope" does not exist' in bad.output
    finally:
        assert runner.invoke(main, ["source", "stop"]).exit_code == 0
    assert runner.invoke(main, ["source", "status"]).exit_code == 3
