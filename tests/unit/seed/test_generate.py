import csv
import json
from datetime import date
from pathlib import Path

import pytest

from actions.errors import StoreExportError
from seed.export_files import read_export
from seed.generate import StoreSize, generate, write_export

SMALL = StoreSize(products_per_category=3, customers=20, orders=60)
REFERENCE = date(2026, 11, 24)


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    write_export(generate(3, REFERENCE, SMALL), tmp_path / "a")
    write_export(generate(3, REFERENCE, SMALL), tmp_path / "b")
    for name in ("products.csv", "customers.csv", "orders.jsonl", "articles.json", "policy.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_demo_store_meets_the_minimum_size() -> None:
    store = generate(7, REFERENCE)
    assert len(store.products) >= 200
    assert len({p.category for p in store.products}) >= 8
    assert len(store.articles) >= 40
    assert len(store.customers) >= 2000
    assert len(store.orders) >= 10000
    assert {"processing", "shipped", "in_transit", "delivered", "cancelled", "returned"} <= {
        o.status for o in store.orders
    }
    assert all(o.tracking_number for o in store.orders if o.status in ("shipped", "in_transit", "delivered"))


def test_export_round_trips(tmp_path: Path) -> None:
    store = generate(3, REFERENCE, SMALL)
    write_export(store, tmp_path)
    assert read_export(tmp_path) == store


def test_malformed_row_names_file_row_and_field(tmp_path: Path) -> None:
    write_export(generate(3, REFERENCE, SMALL), tmp_path)
    path = tmp_path / "products.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][rows[0].index("price")] = "-3"  # row 4 as a spreadsheet counts, header being row 1
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(StoreExportError) as error:
        read_export(tmp_path)
    assert (error.value.file, error.value.row, error.value.field) == ("products.csv", 4, "price")


def test_order_with_unknown_customer_is_rejected(tmp_path: Path) -> None:
    write_export(generate(3, REFERENCE, SMALL), tmp_path)
    orders = (tmp_path / "orders.jsonl").read_text().splitlines()
    first = json.loads(orders[0])
    first["customer_id"] = "NOPE"
    orders[0] = json.dumps(first)
    (tmp_path / "orders.jsonl").write_text("\n".join(orders) + "\n")
    with pytest.raises(StoreExportError, match="orders.jsonl, row 1, field 'customer_id'"):
        read_export(tmp_path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    write_export(generate(3, REFERENCE, SMALL), tmp_path)
    (tmp_path / "customers.csv").unlink()
    with pytest.raises(StoreExportError, match="customers.csv"):
        read_export(tmp_path)
