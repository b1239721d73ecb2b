"""Reads and validates a store export folder (format: docs/store-data.md).

Everything is validated before anything is written, so a malformed export
loses nothing: the error names the file, the row and the field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from actions.errors import StoreExportError
from actions.store.models import Article, Customer, Order, Product, StorePolicy
from seed.generate import DemoStore

ModelT = TypeVar("ModelT", bound=BaseModel)

FILES = ("policy.json", "products.csv", "articles.json", "customers.csv", "orders.jsonl")


def _validate(model: type[ModelT], data: Any, file: str, row: int | str) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(row)"
        raise StoreExportError(file, row, field, first["msg"]) from error


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="") as handle:
        # Row numbers as a spreadsheet shows them: the header is row 1.
        yield from enumerate(csv.DictReader(handle), start=2)


def _product_row(row: dict[str, str], file: str, number: int) -> dict[str, Any]:
    data: dict[str, Any] = dict(row)
    try:
        data["attributes"] = json.loads(row.get("attributes") or "{}")
    except json.JSONDecodeError as error:
        raise StoreExportError(file, number, "attributes", f"not a JSON object ({error.msg})") from error
    data["final_sale"] = (row.get("final_sale") or "false").strip().lower() in ("true", "1", "yes")
    return data


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise StoreExportError(path.name, f"line {error.lineno}", "(file)", error.msg) from error


def read_export(directory: Path) -> DemoStore:
    """Read and validate every export file in ``directory``."""
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise StoreExportError(missing[0], "-", "(file)", f"missing in {directory}")
    policy = _validate(StorePolicy, _json(directory / "policy.json"), "policy.json", 1)
    products = [
        _validate(Product, _product_row(row, "products.csv", n), "products.csv", n)
        for n, row in _csv_rows(directory / "products.csv")
    ]
    articles_data = _json(directory / "articles.json")
    if not isinstance(articles_data, list):
        raise StoreExportError("articles.json", 1, "(file)", "must be a JSON list of articles")
    articles = [_validate(Article, a, "articles.json", n) for n, a in enumerate(articles_data, start=1)]
    customers = [
        _validate(Customer, row, "customers.csv", n) for n, row in _csv_rows(directory / "customers.csv")
    ]
    orders = []
    with (directory / "orders.jsonl").open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise StoreExportError("orders.jsonl", number, "(line)", error.msg) from error
            orders.append(_validate(Order, data, "orders.jsonl", number))
    _check_references(products, customers, orders)
    return DemoStore(policy, products, articles, customers, orders)


def _check_references(products: list[Product], customers: list[Customer], orders: list[Order]) -> None:
    for name, ids in (
        ("products.csv", [p.id for p in products]),
        ("customers.csv", [c.id for c in customers]),
    ):
        seen: set[str] = set()
        for number, item_id in enumerate(ids, start=2):
            if item_id in seen:
                raise StoreExportError(name, number, "id", f"duplicate id {item_id!r}")
            seen.add(item_id)
    customer_ids = {c.id for c in customers}
    order_ids: set[str] = set()
    for number, order in enumerate(orders, start=1):
        if order.id in order_ids:
            raise StoreExportError("orders.jsonl", number, "id", f"duplicate id {order.id!r}")
        order_ids.add(order.id)
        if order.customer_id not in customer_ids:
            raise StoreExportError(
                "orders.jsonl", number, "customer_id", f"unknown customer {order.customer_id!r}"
            )
