"""What the generator reads from a project besides its rules: Prometheus' evaluation interval and
external labels (Alertmanager routes on them), and the Alertmanager routing tree.

A config that does not load is not the generator's to report (``stackcheck check`` does): the
defaults stand in (1m, no external labels, no routing: the scenarios then expect no receivers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validation.core.durations import parse_duration_seconds
from validation.core.errors import StackcheckError
from validation.core.project import Project
from validation.core.yamlload import load_yaml
from validation.routing.config import AlertmanagerConfig, load_alertmanager_config

DEFAULT_EVALUATION_INTERVAL = 60.0  # Prometheus' own default


@dataclass
class ProjectContext:
    evaluation_interval: float = DEFAULT_EVALUATION_INTERVAL
    external_labels: dict[str, str] = field(default_factory=dict)
    routing: AlertmanagerConfig | None = None


def project_context(project: Project) -> ProjectContext:
    context = ProjectContext()
    prometheus = project.component("prometheus")
    if prometheus is not None and prometheus.config is not None:
        try:
            data: Any = load_yaml(prometheus.config) or {}
            glob = data.get("global") or {}
            if glob.get("evaluation_interval"):
                context.evaluation_interval = parse_duration_seconds(glob["evaluation_interval"])
            context.external_labels = {str(k): str(v) for k, v in (glob.get("external_labels") or {}).items()}
        except (StackcheckError, AttributeError):
            pass
    alertmanager = project.component("alertmanager")
    if alertmanager is not None and alertmanager.config is not None:
        try:
            context.routing = load_alertmanager_config(alertmanager.config)
        except StackcheckError:
            context.routing = None
    return context
