"""Shared base of the typed HTTP clients: one authenticated session, errors with hints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from validation.core.errors import HarnessError


class ApiError(HarnessError):
    """An API call failed: the message names the URL and what came back."""


class HttpClient:
    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str] | None = None,
        timeout: float = 10.0,
        ca_bundle: Path | str | None = None,
    ) -> None:
        """``ca_bundle``: the only CA an https ``base_url`` is verified against (the run's CA)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # never route loopback traffic through a proxy
        if ca_bundle is not None:
            self.session.verify = str(ca_bundle)
        if auth:
            self.session.auth = auth

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            return self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as exc:
            raise ApiError(
                f"{method} {path} failed: {exc.__class__.__name__}: {exc}",
                place=self.base_url,
                hint="is the component running? see its log in the run directory",
            ) from None

    def get_json(self, path: str, **kwargs: Any) -> Any:
        response = self.request("GET", path, **kwargs)
        return self._json(response, "GET", path)

    def _json(self, response: requests.Response, method: str, path: str) -> Any:
        if response.status_code >= 400:
            raise ApiError(
                f"{method} {path} answered {response.status_code}: {response.text[:300]}",
                place=self.base_url,
                hint="401 means the credentials are wrong; 4xx/5xx bodies say why",
            )
        try:
            return response.json()
        except ValueError:
            raise ApiError(f"{method} {path} did not answer JSON", place=self.base_url) from None

    def close(self) -> None:
        self.session.close()
