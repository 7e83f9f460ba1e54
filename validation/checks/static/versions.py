"""static/versions/<component> — the version stack.yaml pins against the one that will run.

Catches: a stack.yaml that pins Prometheus 2.45 while the machine runs 2.42 (or an image built
from another binary): every result would silently describe another version than the one the
repository says it deploys. A warning: the checks still ran against a real component.
"""

from __future__ import annotations

from validation.checks.base import Check, CheckContext, relative
from validation.core.results import Report


class VersionsCheck(Check):
    id = "static/versions"
    kind = "static"
    severity = "warning"

    def run(self, ctx: CheckContext, report: Report) -> None:
        from validation.components import COMPONENTS

        containers = ctx.backend == "containers"
        for name, config in ctx.project.components.items():
            if not config.version or name not in COMPONENTS:
                continue
            check_id = f"{self.id}/{name}"
            component = COMPONENTS[name]
            if containers:
                from validation.docker.client import engine_client
                from validation.docker.images.choice import choose_image

                choice = choose_image(component, config, engine_client(timeout=10))
                what, actual = f"image {choice.image}", choice.version
            else:
                what = component.find_binary(config)
                actual = component.version(what) if what else ""
            if not actual and not config.required:
                continue  # an optional component that is not here: its own checks say so
            if not actual:
                report.skipped(check_id, self.kind, f"no {name} here to compare with {config.version}")
            elif _same(actual, config.version):
                report.passed(check_id, self.kind, f"{name} {actual}")
            else:
                report.failed(
                    check_id,
                    self.kind,
                    f"stack.yaml pins {name} {config.version} but {what} is {actual}: the results "
                    f"describe {actual}. Hint: install {config.version} (`stackcheck provision`) or "
                    f"pin {actual} in components.{name}.version",
                    file=relative(ctx.project, ctx.project.stack_file),
                    line=config.lines.get("version"),
                )


def _same(actual: str, pinned: str) -> bool:
    return actual.lstrip("v") == pinned.lstrip("v")
