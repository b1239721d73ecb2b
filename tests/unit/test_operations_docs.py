"""docs/operations.md and the Grafana dashboard name only metrics that exist, and every metric is documented.

The Rasa server's metrics are read from rasa_addons/metrics.py's source: that module needs
Rasa, which this environment does not have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from actions import metrics as action_metrics
from web import metrics as web_metrics
from web.agent.desk import QueueSummary

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "assistant.json"
OPERATIONS = ROOT / "docs" / "operations.md"
NAME = re.compile(r"\bcs_[a-z_]+[a-z]\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _families() -> dict[str, str]:
    """Every metric family of the three processes, by name, with its type."""
    families: dict[str, str] = {}
    scrape_time = CollectorRegistry()
    scrape_time.register(web_metrics.QueueCollector(QueueSummary(waiting=0, claimed=0, oldest_waiting_s=0)))
    for registry in (action_metrics.REGISTRY, web_metrics.REGISTRY, scrape_time):
        families |= {family.name: family.type for family in registry.collect()}
    source = (ROOT / "rasa_addons" / "metrics.py").read_text()
    for kind, name in re.findall(r"\b(Counter|Histogram|Gauge)\(\s*\"(cs_[a-z_]+)\"", source):
        families[name.removesuffix("_total")] = kind.lower()
    return families


def _series_names(families: dict[str, str]) -> set[str]:
    return {name + suffix for name, kind in families.items() for suffix in SUFFIXES[kind]}


def test_the_rasa_servers_metrics_are_found_in_its_source() -> None:
    families = _families()
    rasa = {"cs_rasa_message_duration_seconds", "cs_nlu_intents", "cs_nlu_intent_confidence",
            "cs_rasa_action_failures", "cs_rasa_messages_refused"}  # fmt: skip
    assert rasa <= set(families)


def test_every_dashboard_query_names_existing_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert exprs and dashboard["uid"] and all(panel["title"] for panel in dashboard["panels"])
    known = _series_names(_families())
    unknown = {name for expr in exprs for name in NAME.findall(expr)} - known
    assert not unknown, f"the dashboard queries metrics that do not exist: {sorted(unknown)}"


def test_the_operations_page_names_existing_metrics_and_documents_every_one() -> None:
    families = _families()
    text = OPERATIONS.read_text()
    named = set(NAME.findall(text))
    unknown = named - _series_names(families) - set(families) - {f"{n}_total" for n in families}
    assert not unknown, f"docs/operations.md names metrics that do not exist: {sorted(unknown)}"
    documented = {name for name, kind in families.items() if f"`{name}{SUFFIXES[kind][0]}`" in text}
    documented |= {name for name in families if f"`{name}`" in text}
    assert set(families) == documented, f"undocumented: {sorted(set(families) - documented)}"
