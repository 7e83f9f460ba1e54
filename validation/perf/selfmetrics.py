"""A few of Prometheus' own metrics, read straight from its /metrics (no scrape lag).

Only un-labelled samples are read (``name value``); a missing name is simply absent, so
metrics that older or newer versions lack do not break a measurement.
"""

from __future__ import annotations

from collections.abc import Iterable

from validation.clients.prometheus import PrometheusClient

NAMES = (
    "prometheus_tsdb_head_series",
    "prometheus_tsdb_head_samples_appended_total",
    "prometheus_tsdb_head_chunks_storage_size_bytes",
    "go_memstats_heap_inuse_bytes",
    "process_resident_memory_bytes",
)


def parse_plain_samples(text: str, names: Iterable[str] = NAMES) -> dict[str, float]:
    """Values of the wanted names that appear without labels (labelled samples are summed)."""
    wanted = set(names)
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name = head.split("{", 1)[0].strip()
        if name in wanted:
            try:
                out[name] = out.get(name, 0.0) + float(value)
            except ValueError:
                continue
    return out


def read_self_metrics(client: PrometheusClient) -> dict[str, float]:
    response = client.request("GET", "/metrics")
    if response.status_code != 200:
        return {}
    return parse_plain_samples(response.text)
