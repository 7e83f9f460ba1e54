"""Render the run copy of prometheus.yml.

What changes, and why the config keeps its meaning:
- relabel rules are APPENDED to every job (and to alertmanager discovery): they run after
  the config's own relabeling, so the config still sees the hosts and ports it names; the
  appended rules set ``instance`` to the configured address when the config did not set it,
  then send ``host:port`` to the host's loopback stand-in with the SAME port. A wrong port
  stays a wrong port; a host the harness does not serve goes to a black-hole address.
- service discovery that needs an outside system (kubernetes_sd_configs, consul, dns …) is
  replaced by file_sd reading ``fixtures/service_discovery/<job>.yml`` — targets carrying the
  same ``__meta_*`` labels, so the job's relabel_configs are exercised for real.
- secrets (*_file) point to the run's secret files; rule files are the rendered copies;
- every ``tls_config``'s CA (``ca_file`` / ``ca``) becomes the run's CA (render/tls.py), which
  issued the certificates of the components that serve TLS; ``scheme`` is never touched, so a
  job that speaks http to a TLS endpoint (or https to a plain one) still fails;
- a synthetic job (honor_labels) scrapes the harness's injected series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation.core.errors import ConfigError
from validation.core.scrape_jobs import constant_address
from validation.core.yamlload import load_yaml, to_plain
from validation.render.addresses import split_host_port
from validation.render.context import RenderContext

SYNTHETIC_JOB = "stackcheck-synthetic"
LOCAL_SD = ("static_configs", "file_sd_configs")
SECRET_FILE_KEYS = ("password_file", "credentials_file", "bearer_token_file")


@dataclass
class ScrapeJob:
    name: str
    static_targets: list[dict[str, Any]] = field(default_factory=list)  # [{targets, labels}]
    file_sd: list[Path] = field(default_factory=list)  # rendered file_sd files


@dataclass
class RenderedPrometheus:
    path: Path
    jobs: dict[str, ScrapeJob]
    rule_files: list[Path]
    scrape_interval: str
    evaluation_interval: str


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _relabel_to_loopback(ctx: RenderContext, hosts: list[str], own_host: str = "") -> list[dict[str, Any]]:
    """Relabel rules sending each configured host to its loopback stand-in; ``localhost`` (as
    Prometheus' own container or host sees it) goes to ``own_host``'s address."""
    rules: list[dict[str, Any]] = [
        {  # instance = configured address unless the config set one
            "source_labels": ["instance", "__address__"],
            "separator": ";",
            "regex": ";(.*)",
            "target_label": "instance",
            "replacement": "$1",
            "action": "replace",
        }
    ]
    for host in sorted(set(hosts)):
        rules.append(
            {
                "source_labels": ["__address__"],
                "regex": f"{_re2_literal(host)}(:[0-9]+)?",
                "target_label": "__address__",
                "replacement": f"{ctx.addresses.address_of(host)}$1",
                "action": "replace",
            }
        )
    if own_host:
        rules.append(
            {
                "source_labels": ["__address__"],
                "regex": r"(?:localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?",
                "target_label": "__address__",
                "replacement": f"{ctx.addresses.address_of(own_host)}$1",
                "action": "replace",
            }
        )
    block = ctx.addresses.block
    rules += [
        {
            "source_labels": ["__address__"],
            "regex": rf"127\.{block}\.[0-9]+\.[0-9]+(:[0-9]+)?",
            "target_label": "__tmp_stackcheck_loopback",
            "replacement": "yes",
            "action": "replace",
        },
        {  # anything still not on the run's loopback block: never leave the machine
            "source_labels": ["__tmp_stackcheck_loopback", "__address__"],
            "separator": ";",
            "regex": ";.*?(:[0-9]+)?",
            "target_label": "__address__",
            "replacement": f"{ctx.addresses.blackhole}$1",
            "action": "replace",
        },
    ]
    return rules


def _re2_literal(text: str) -> str:
    return "".join("\\" + ch if ch in r".\+*?[^]$(){}=!<>|:-#/" else ch for ch in text)


def hosts_in_targets(groups: list[dict[str, Any]], local_host: str) -> list[str]:
    """Every host a target group names, including ``__meta_*`` IPs/hosts and ``__address__``."""
    hosts: list[str] = []
    for group in groups or []:
        for target in group.get("targets") or []:
            hosts.append(_host(str(target), local_host))
        for key, value in (group.get("labels") or {}).items():
            if key == "__address__" or key.endswith(("_ip", "_host", "_hostname", "_address")):
                hosts.append(_host(str(value), local_host))
    return [h for h in hosts if h]


def _host(address: str, local_host: str) -> str:
    host, _ = split_host_port(address)
    return local_host if host.lower() in LOCAL_HOSTS else host


def _map_secrets(node: Any, ctx: RenderContext) -> Any:
    """Point every *_file secret at the run's password file, every tls_config CA at the run's CA."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in SECRET_FILE_KEYS and isinstance(value, str):
                out[key] = str(ctx.password_file())
            elif key == "tls_config" and isinstance(value, dict):
                out[key] = _map_tls_config(value, ctx)
            else:
                out[key] = _map_secrets(value, ctx)
        return out
    if isinstance(node, list):
        return [_map_secrets(v, ctx) for v in node]
    return node


def _map_tls_config(tls: dict[str, Any], ctx: RenderContext) -> dict[str, Any]:
    out = dict(tls)
    if "ca_file" in out or "ca" in out:
        out.pop("ca", None)
        out["ca_file"] = str(ctx.ca.ensure())
    if out.get("cert_file") or out.get("cert"):
        ctx.warn("a tls_config presents a client certificate: mutual TLS is not exercised under test")
    return out


def render_prometheus(
    source: Path,
    ctx: RenderContext,
    *,
    own_host: str,
    rule_files: list[Path],
    fixtures_dir: Path,
    synthetic_address: str | None,
    synthetic_interval: str | None = None,
) -> RenderedPrometheus:
    raw = load_yaml(source)
    if not isinstance(raw, dict):
        raise ConfigError(
            "expected a mapping at the top", place=f"{source}:1", hint="see prometheus.yml docs"
        )
    data: dict[str, Any] = to_plain(raw)
    out_dir = ctx.config_dir / "prometheus"
    sd_dir = out_dir / "file_sd"
    sd_dir.mkdir(parents=True, exist_ok=True)
    data = _map_secrets(data, ctx)
    data["rule_files"] = [str(p) for p in rule_files]

    for key in ("remote_write", "remote_read"):
        if data.pop(key, None):
            ctx.warn(f"{source}: {key} is not exercised under test (no traffic leaves the machine)")

    alerting = data.get("alerting") or {}
    for am in alerting.get("alertmanagers") or []:
        am_hosts = hosts_in_targets(am.get("static_configs") or [], own_host)
        am["relabel_configs"] = list(am.get("relabel_configs") or []) + _relabel_to_loopback(
            ctx, am_hosts, own_host
        )

    jobs: dict[str, ScrapeJob] = {}
    for index, job in enumerate(data.get("scrape_configs") or []):
        name = str(job.get("job_name", f"job{index}"))
        scrape = ScrapeJob(name)
        hosts: list[str] = []
        for key in list(job):
            if key.endswith("_sd_configs") and key not in LOCAL_SD:
                del job[key]
                fixture = fixtures_dir / "service_discovery" / f"{name}.yml"
                if fixture.is_file():
                    job.setdefault("file_sd_configs", []).append({"files": [str(fixture)]})
                else:
                    ctx.warn(
                        f"{source}: job {name!r} uses {key}, which needs an outside system; add "
                        f"{fixture.relative_to(fixtures_dir.parent)} with the targets it would discover"
                    )
        for group in job.get("static_configs") or []:
            scrape.static_targets.append(group)
        hosts += hosts_in_targets(job.get("static_configs") or [], own_host)
        exporter = constant_address(job.get("relabel_configs"))
        if exporter:  # the blackbox pattern: every target is scraped at the exporter's address
            hosts.append(_host(exporter, own_host))
        rendered_sd = []
        for sd in job.get("file_sd_configs") or []:
            files = []
            for pattern in sd.get("files") or []:
                base = Path(pattern) if Path(pattern).is_absolute() else source.parent / pattern
                matches = (
                    sorted(base.parent.glob(base.name)) if any(c in base.name for c in "*?[") else [base]
                )
                for match in matches:
                    if not match.is_file():
                        ctx.warn(f"{source}: job {name!r}: file_sd file {pattern} does not exist")
                        continue
                    groups = load_yaml(match) or []
                    hosts += hosts_in_targets(groups, own_host)
                    target = sd_dir / f"{name}-{match.name}"
                    target.write_text(yaml.safe_dump(to_plain(groups), sort_keys=False), encoding="utf-8")
                    files.append(str(target))
                    scrape.file_sd.append(target)
            rendered_sd.append({**sd, "files": files})
        if rendered_sd:
            job["file_sd_configs"] = rendered_sd
        job["relabel_configs"] = list(job.get("relabel_configs") or []) + _relabel_to_loopback(
            ctx, hosts, own_host
        )
        jobs[name] = scrape

    if synthetic_address:
        synthetic: dict[str, Any] = {
            "job_name": SYNTHETIC_JOB,
            "honor_labels": True,
            "static_configs": [{"targets": [synthetic_address]}],
        }
        if synthetic_interval:
            synthetic["scrape_interval"] = synthetic_interval
        data.setdefault("scrape_configs", []).append(synthetic)

    global_cfg = data.setdefault("global", {}) or {}
    if ctx.time_scale != 1:
        from validation.timescale.prometheus_config import compress_prometheus_config

        data = compress_prometheus_config(data, ctx.time_scale, min_interval_ms=ctx.min_interval_ms)
        global_cfg = data.get("global") or {}
    for job in data.get("scrape_configs") or []:
        if job.get("job_name") == SYNTHETIC_JOB:
            # the harness's own target gets the whole interval: a slow harness must not turn
            # into stale series (a failed scrape marks every series it served stale)
            job["scrape_timeout"] = job.get("scrape_interval") or global_cfg.get("scrape_interval", "1m")
    path = out_dir / "prometheus.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return RenderedPrometheus(
        path=path,
        jobs=jobs,
        rule_files=rule_files,
        scrape_interval=str(global_cfg.get("scrape_interval", "1m")),
        evaluation_interval=str(global_cfg.get("evaluation_interval", "1m")),
    )
