"""What each component serves: the endpoints the security checks probe (not a check itself).

GET endpoints are read-only. Mutating endpoints are only ever sent WITHOUT or with WRONG
credentials (and only once every GET already refused strangers): a valid request to one of
them would reload, stop or wipe the component under test.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

PROBE_JOB = "stackcheck-security-probe"
# a silence that would match nothing real, were it ever accepted
_SILENCE = {
    "matchers": [{"name": "stackcheck_probe", "value": "never", "isRegex": False}],
    "startsAt": "2030-01-01T00:00:00Z",
    "endsAt": "2030-01-01T00:01:00Z",
    "createdBy": "stackcheck",
    "comment": "security probe: must be refused",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    json: object | None = None
    data: bytes | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


GET = {
    "prometheus": (
        "/",
        "/graph",
        "/-/healthy",
        "/-/ready",
        "/metrics",
        "/federate?match[]=up",
        "/api/v1/query?query=up",
        "/api/v1/targets",
        "/api/v1/rules",
        "/api/v1/status/config",
        "/api/v1/status/flags",
    ),
    "alertmanager": (
        "/",
        "/-/healthy",
        "/-/ready",
        "/metrics",
        "/api/v2/status",
        "/api/v2/alerts",
        "/api/v2/silences",
        "/api/v2/receivers",
    ),
    "pushgateway": ("/", "/-/healthy", "/-/ready", "/metrics", "/api/v1/metrics", "/api/v1/status"),
    "node_exporter": ("/", "/metrics"),
}

MUTATING: dict[str, tuple[Endpoint, ...]] = {
    "prometheus": (
        Endpoint("POST", "/-/reload"),
        Endpoint("PUT", "/-/reload"),
        Endpoint("POST", "/-/quit"),
        Endpoint("PUT", "/-/quit"),
        Endpoint("POST", "/api/v1/admin/tsdb/snapshot"),
        Endpoint("POST", "/api/v1/admin/tsdb/delete_series?match[]=up"),
        Endpoint("POST", "/api/v1/admin/tsdb/clean_tombstones"),
    ),
    "alertmanager": (
        Endpoint("POST", "/-/reload"),
        Endpoint("POST", "/api/v2/silences", json=_SILENCE),
        Endpoint("DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000"),
        Endpoint("POST", "/api/v2/alerts", json=[{"labels": {"alertname": "StackcheckSecurityProbe"}}]),
    ),
    "pushgateway": (
        Endpoint("PUT", f"/metrics/job/{PROBE_JOB}", data=b"stackcheck_probe 1\n"),
        Endpoint("POST", f"/metrics/job/{PROBE_JOB}", data=b"stackcheck_probe 1\n"),
        Endpoint("DELETE", f"/metrics/job/{PROBE_JOB}"),
        Endpoint("PUT", "/api/v1/admin/wipe"),
        Endpoint("PUT", "/-/quit"),
        Endpoint("POST", "/-/quit"),
        Endpoint("POST", "/-/reload"),
    ),
    "node_exporter": (),
}


def send(
    base_url: str,
    endpoint: Endpoint,
    auth: tuple[str, str] | None,
    verify: str | bool,
    timeout: float = 5.0,
) -> int | str:
    """The status code, or the name of the exception when no HTTP answer came.

    A timeout is asked once more with a longer one: a wrong password costs the component a bcrypt
    computation, which a loaded machine can stretch past 5 s. The verdict still needs the answer.
    """
    for attempt_timeout in (timeout, 4 * timeout):
        code = _send_once(base_url, endpoint, auth, verify, attempt_timeout)
        if code not in ("ReadTimeout", "ConnectTimeout"):
            break
    return code


def _send_once(
    base_url: str, endpoint: Endpoint, auth: tuple[str, str] | None, verify: str | bool, timeout: float
) -> int | str:
    session = requests.Session()
    session.trust_env = False
    try:
        response = session.request(
            endpoint.method,
            base_url + endpoint.path,
            auth=auth,
            json=endpoint.json,
            data=endpoint.data,
            verify=verify,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return exc.__class__.__name__
    finally:
        session.close()
    return response.status_code
