"""Inject series through the Pushgateway HTTP API (``/metrics/job/<job>/<label>/<value>…``).

``push`` PUTs (replace the whole group) or POSTs (replace only the pushed metric names) a body
in text exposition format; ``delete`` removes a group. Label values that contain ``/`` or are
empty — and a job name containing ``/`` — use the ``@base64`` form (URL-safe base64; ``=`` for
the empty string), as the Pushgateway documents. Other values are percent-encoded.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from urllib.parse import quote

import requests

from validation.core.errors import HarnessError

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
Auth = tuple[str, str] | None


def group_path(job: str, grouping: Mapping[str, str] | None = None) -> str:
    """The ``/metrics/job/…`` path of a group, with ``@base64`` where a value needs it."""
    if not job:
        raise HarnessError("Pushgateway job name is empty", hint="give every pushed series a job")
    parts = [_segment("job", job)]
    for name, value in (grouping or {}).items():
        if not _LABEL_NAME.fullmatch(name) or name == "job":
            raise HarnessError(
                f"invalid grouping label name {name!r}",
                hint="grouping labels match [a-zA-Z_][a-zA-Z0-9_]* and 'job' is given separately",
            )
        parts.append(_segment(name, value))
    return "/metrics/" + "/".join(parts)


def _segment(name: str, value: str) -> str:
    if value == "":
        return f"{name}@base64/="
    if "/" in value:
        encoded = base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii")
        return f"{name}@base64/{encoded}"
    return f"{name}/{quote(value, safe='')}"


def push(
    base_url: str,
    job: str,
    grouping: Mapping[str, str] | None,
    series_text: str,
    auth: Auth = None,
    *,
    replace: bool = True,
    timeout: float = 5.0,
) -> None:
    """Push ``series_text`` (text exposition) to a group: PUT when ``replace``, else POST."""
    body = series_text if series_text.endswith("\n") else series_text + "\n"
    url = base_url.rstrip("/") + group_path(job, grouping)
    _request("PUT" if replace else "POST", url, auth, timeout, body.encode("utf-8"))


def delete(
    base_url: str,
    job: str,
    grouping: Mapping[str, str] | None = None,
    auth: Auth = None,
    *,
    timeout: float = 5.0,
) -> None:
    """Delete every metric of a group (the Pushgateway answers 202 even for an unknown group)."""
    _request("DELETE", base_url.rstrip("/") + group_path(job, grouping), auth, timeout, None)


def _request(method: str, url: str, auth: Auth, timeout: float, body: bytes | None) -> None:
    headers = {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"} if body is not None else {}
    try:
        response = requests.request(method, url, data=body, auth=auth, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        raise HarnessError(
            f"Pushgateway {method} failed: {exc}",
            place=url,
            hint="is the Pushgateway running and reachable at that address?",
        ) from None
    if response.status_code not in (200, 202):
        hint = (
            "the Pushgateway needs credentials (web.yml basic auth)"
            if response.status_code == 401
            else "the Pushgateway rejected the push; its message above names the offending line"
        )
        raise HarnessError(
            f"Pushgateway {method} answered {response.status_code}: {response.text.strip()[:300]}",
            place=url,
            hint=hint,
        )
