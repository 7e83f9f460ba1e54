"""fixtures/endpoints.yaml (the notification sinks' oracle, validation/fixtures/endpoints.py) from
alertmanager.yml's receivers as they are today: every SMTP relay with the mailboxes its email
configs send to, every webhook URL, every Slack webhook with its channel. Integrations the sinks do
not serve (PagerDuty, Opsgenie, …) are listed for review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from validation.core.errors import HarnessError
from validation.core.yamlload import load_yaml

SERVED = ("email_configs", "webhook_configs", "slack_configs")


def render_endpoints(alertmanager_yml: Path) -> tuple[str, list[str]]:
    data: Any = load_yaml(alertmanager_yml, error=HarnessError) or {}
    glob_ = data.get("global") or {} if isinstance(data, dict) else {}
    relays: dict[str, list[str]] = {}
    webhooks: list[str] = []
    slack: list[str] = []
    review: list[str] = []
    for receiver in data.get("receivers") or [] if isinstance(data, dict) else []:
        if not isinstance(receiver, dict):
            continue
        name = str(receiver.get("name", ""))
        for email in receiver.get("email_configs") or []:
            relay = str(email.get("smarthost") or glob_.get("smtp_smarthost") or "")
            if not relay:
                review.append(f"receiver {name!r}: an email config with no smarthost")
                continue
            boxes = relays.setdefault(relay, [])
            for box in str(email.get("to", "")).split(","):
                box = box.strip()
                if "{{" in box:
                    review.append(
                        f"receiver {name!r}: mailbox {box!r} is a template — list the addresses it yields"
                    )
                elif box and box not in boxes:
                    boxes.append(box)
        for hook in receiver.get("webhook_configs") or []:
            if re.search(r"<[^>]*>", str(hook.get("url") or "")):
                review.append(f"receiver {name!r}: the webhook URL is a placeholder (<…>): put the real one")
            if hook.get("url"):
                webhooks.append(f"  - {{url: {json.dumps(str(hook['url']))}}}   # receiver {name}")
            elif hook.get("url_file"):
                webhooks.append(f"  - {{receiver: {json.dumps(name)}}}   # its URL is in {hook['url_file']}")
        for config in receiver.get("slack_configs") or []:
            channel = str(config.get("channel") or "")
            if not channel:
                review.append(
                    f"receiver {name!r}: a Slack config without channel — the webhook's own channel is unknown"
                )
                channel = "#REVIEW"
            url = config.get("api_url") or glob_.get("slack_api_url")
            if re.search(r"<[^>]*>", f"{url or ''} {channel}"):
                review.append(
                    f"receiver {name!r}: the Slack URL or channel is a placeholder (<…>): put the real one"
                )
            if url:
                slack.append(
                    f"  - {{url: {json.dumps(str(url))}, channel: {json.dumps(channel)}}}   # receiver {name}"
                )
            else:
                slack.append(f"  - {{receiver: {json.dumps(name)}, channel: {json.dumps(channel)}}}")
        others = [k for k in receiver if str(k).endswith("_configs") and k not in SERVED]
        if others:
            review.append(
                f"receiver {name!r}: {', '.join(others)} — no sink serves these; the run reports them"
            )
    lines = [
        "# The endpoints that exist outside the stack: the oracle of notification delivery. Written from",
        "# alertmanager.yml as it is today, so it cannot catch a wrong address there: check each relay,",
        "# mailbox, URL and channel against what really exists, then delete the marker line.",
    ]
    if relays:
        lines.append("smtp:")
        for relay, boxes in relays.items():
            lines.append(f"  - {{relay: {json.dumps(relay)}, mailboxes: {json.dumps(boxes)}}}")
    if webhooks:
        lines += ["webhooks:", *webhooks]
    if slack:
        lines += ["slack:", *slack]
    if not (relays or webhooks or slack):
        lines.append("{}")
    return "\n".join(lines) + "\n", review
