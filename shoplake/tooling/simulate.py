"""``shoplake simulate``: traffic on the operational database, like the order system's.

The first run fills the dimensions from the simulated shop (``shoplake.datasets.shop``: the same
catalogue and customers as every other dataset's samples). Then ``writers`` concurrent
connections each run their share of ``rate`` operations a second for ``duration`` seconds:

    new order (PENDING)                       45 %
    an order moves on: PENDING → SHIPPED (or, one in ten, CANCELLED), SHIPPED → DELIVERED   40 %
    a customer moves to another city          6 %
    a product's price changes                 5 %
    a cancelled order is deleted              4 %

Each writer draws its operations from its own random stream (seed and writer number) and works
on its own orders and its own customers (``user_id % writers``), so what each writer does is the
same for a seed whatever the timing; with one writer the whole run, ids included, is.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

from shoplake.datasets import shop

OPERATIONS = (("order", 45), ("advance", 40), ("move", 6), ("reprice", 5), ("delete", 4))
STREETS = ("Rua Augusta", "Hauptstraße", "Rue de la République", "Karl Johans gate", "Floriańska", "Grafton Street",
           "Gran Vía", "Via Roma", "Hämeenkatu", "Briggate")  # fmt: skip


@dataclass
class SimulationResult:
    operations: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    seeded: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        ops = ", ".join(f"{k} {v:,}" for k, v in sorted(self.operations.items()))
        return f"{sum(self.operations.values()):,} operations in {self.seconds:.1f} s ({ops})"


def seed_dimensions(con: psycopg.Connection, seed: int = 2026) -> dict[str, int]:
    """Fill dim_products and dim_users from the simulated shop, once (empty tables only)."""
    the_shop = shop.the_shop(seed)
    seeded = {}
    with con.transaction():
        if con.execute("select count(*) from dim_products").fetchone()[0] == 0:
            with con.cursor().copy("copy dim_products (product_id, name, category, price) from stdin") as copy:
                for p in the_shop.products:
                    copy.write_row((p.product_id, p.name, p.category, p.price))
            seeded["dim_products"] = len(the_shop.products)
        if con.execute("select count(*) from dim_users").fetchone()[0] == 0:
            with con.cursor().copy("copy dim_users (name, email, city, address) from stdin") as copy:
                for i, c in enumerate(the_shop.customers):
                    copy.write_row((c.name, c.email, c.city, f"{STREETS[i % len(STREETS)]} {i % 97 + 1}"))
            seeded["dim_users"] = len(the_shop.customers)
    return seeded


class _Writer:
    def __init__(self, uri: str, number: int, writers: int, seed: int):
        self.con = psycopg.connect(uri, autocommit=True)
        self.rng = random.Random(f"simulate-{seed}-{number}")  # noqa: S311 - reproducible traffic
        self.number, self.writers = number, writers
        self.users = [r[0] for r in self.con.execute(
            "select user_id from dim_users where user_id %% %s = %s order by user_id", (writers, number)
        ).fetchall()]  # fmt: skip
        self.products = self.con.execute("select product_id, price from dim_products order by product_id").fetchall()
        self.open: dict[int, str] = {}  # this writer's orders that can still move: sale_id -> status
        self.cancelled: list[int] = []
        self.done = Counter()

    def step(self) -> None:
        names, weights = zip(*OPERATIONS, strict=True)
        kind = self.rng.choices(names, weights=weights)[0]
        # Only writer 0 changes prices (products are shared: each writer's stream stays its own);
        # nothing to move on or delete yet is a new order.
        if kind == "reprice" and self.number != 0 or kind == "advance" and not self.open:
            kind = "order"
        if kind == "delete" and not self.cancelled:
            kind = "order"
        getattr(self, f"_{kind}")()
        self.done[kind] += 1

    def _order(self) -> None:
        user = self.rng.choice(self.users)
        product, price = self.rng.choice(self.products)
        quantity = self.rng.choice((1, 1, 1, 2, 3, 5))
        (sale_id,) = self.con.execute(
            "insert into fact_sales (user_id, product_id, quantity, total_amount) values (%s, %s, %s, %s) "
            "returning sale_id",
            (user, product, quantity, Decimal(price) * quantity),
        ).fetchone()
        self.open[sale_id] = "PENDING"

    def _advance(self) -> None:
        sale_id = self.rng.choice(sorted(self.open))
        status = self.open[sale_id]
        new = ("CANCELLED" if self.rng.random() < 0.1 else "SHIPPED") if status == "PENDING" else "DELIVERED"
        self.con.execute("update fact_sales set status = %s where sale_id = %s", (new, sale_id))
        if new == "SHIPPED":
            self.open[sale_id] = new
        else:
            del self.open[sale_id]
            if new == "CANCELLED":
                self.cancelled.append(sale_id)

    def _move(self) -> None:
        user = self.rng.choice(self.users)
        city, _ = self.rng.choice(shop.CITIES)
        street = f"{self.rng.choice(STREETS)} {self.rng.randint(1, 200)}"
        self.con.execute("update dim_users set city = %s, address = %s where user_id = %s", (city, street, user))

    def _reprice(self) -> None:
        i = self.rng.randrange(len(self.products))
        product, price = self.products[i]
        new = max(Decimal("0.99"), (Decimal(price) * Decimal(self.rng.choice(("0.9", "0.95", "1.05", "1.1")))).quantize(
            Decimal("0.01")))  # fmt: skip
        self.con.execute("update dim_products set price = %s where product_id = %s", (new, product))
        self.products[i] = (product, new)

    def _delete(self) -> None:
        sale_id = self.cancelled.pop(self.rng.randrange(len(self.cancelled)))
        self.con.execute("delete from fact_sales where sale_id = %s", (sale_id,))


def simulate(uri: str, *, rate: float = 20.0, duration: float = 10.0, seed: int = 7, writers: int = 4,
             operations: int | None = None) -> SimulationResult:  # fmt: skip
    """Run the traffic: ``rate`` operations a second for ``duration`` seconds (or, with
    ``operations``, that many as fast as the writers go)."""
    with psycopg.connect(uri) as con:
        seeded = seed_dimensions(con)
    result = SimulationResult(seeded=seeded)
    crew = [_Writer(uri, n, writers, seed) for n in range(writers)]
    per_writer = None if operations is None else [operations // writers + (n < operations % writers)
                                                  for n in range(writers)]  # fmt: skip
    errors: list[BaseException] = []
    started = time.perf_counter()

    def run(w: _Writer) -> None:
        try:
            if per_writer is not None:
                for _ in range(per_writer[w.number]):
                    w.step()
                return
            interval = writers / rate
            k = 0
            while (now := time.perf_counter()) - started < duration:
                w.step()
                k += 1
                time.sleep(max(0.0, started + k * interval - now))
        except BaseException as exc:  # reported by the caller, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,), name=f"simulate-{w.number}") for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in crew:
        result.operations.update(w.done)
        w.con.close()
    result.seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return result
