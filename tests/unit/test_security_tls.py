"""The run's CA and the TLS rewrites of web.yml and prometheus.yml (real TLS handshakes, no stack)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import certifi
import pytest
import yaml

from tests.conftest import REPO
from validation.checks.security.endpoints import Endpoint, send
from validation.clients.prometheus import PrometheusClient, QueryFailed
from validation.components.flags import flag_args
from validation.core.errors import HarnessError
from validation.render.addresses import AddressMap
from validation.render.context import RenderContext
from validation.render.prometheus import render_prometheus
from validation.render.tls import RunCA
from validation.render.web_config import render_web_config, serves_tls

pytestmark = pytest.mark.unit


def _handshake(ca: RunCA, cert: tuple[Path, Path], server_name: str, trust: Path | None) -> str:
    """Serve one TLS handshake on 127.0.0.1 with ``cert``; the client verifies ``server_name``."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*cert)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_ctx = ssl.create_default_context(cafile=str(trust) if trust else None)
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_ctx.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            tls.sendall(b"x")
            return "verified"
    except ssl.SSLCertVerificationError as exc:
        return f"refused: {exc.verify_message}"
    finally:
        thread.join(5)
        listener.close()


def test_a_certificate_of_the_run_ca_verifies_for_its_host_name_and_loopback_ip(tmp_path: Path) -> None:
    ca = RunCA(tmp_path)
    cert = ca.issue("prometheus", ("prometheus", "127.44.0.1"))
    assert _handshake(ca, cert, "prometheus", ca.ca_file) == "verified"
    assert _handshake(ca, cert, "127.44.0.1", ca.ca_file) == "verified"
    assert _handshake(ca, cert, "alertmanager", ca.ca_file).startswith("refused: Hostname mismatch")
    assert _handshake(ca, cert, "prometheus", None).startswith("refused")  # the system roots never vouch


def _ctx(tmp_path: Path) -> RenderContext:
    return RenderContext(tmp_path / "run", AddressMap(block=44))


def test_tls_server_config_is_kept_with_the_runs_certificate(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    source = REPO / "stack/prometheus/web.yml"
    assert serves_tls(source)
    path, user = render_web_config(source, ctx, "prometheus", ("prometheus", "127.44.0.1"))
    rendered = yaml.safe_load(path.read_text())
    tls = rendered["tls_server_config"]
    assert tls["cert_file"] == str(ctx.ca.issued["prometheus"][0]) and Path(tls["key_file"]).is_file()
    assert tls["min_version"] == "TLS12"  # the rest of the config's TLS settings is kept
    assert rendered["http_server_config"] == yaml.safe_load(source.read_text())["http_server_config"]
    assert user == "stackcheck" and ctx.uses_tls


def test_a_web_yml_without_tls_stays_without_tls(tmp_path: Path) -> None:
    source = tmp_path / "web.yml"
    source.write_text(
        "basic_auth_users:\n  u: $2b$10$eYJKsZQHoQ0OlISYD8OBOekpOXAP2Edn83ES.V1INbgE5C.ARyMsC\n"
    )
    ctx = _ctx(tmp_path)
    path, _ = render_web_config(source, ctx, "x", ("x", "127.44.0.2"))
    assert "tls_server_config" not in yaml.safe_load(path.read_text()) and not ctx.uses_tls


def test_mutual_tls_is_a_clear_harness_error(tmp_path: Path) -> None:
    source = tmp_path / "web.yml"
    source.write_text(
        "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n"
    )
    with pytest.raises(HarnessError) as info:
        render_web_config(source, _ctx(tmp_path), "x", ("x", "127.44.0.2"))
    assert "mutual TLS" in info.value.what and info.value.place == str(source)


def test_prometheus_clients_trust_the_run_ca_and_keep_their_scheme(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    rendered = render_prometheus(REPO / "stack/prometheus/prometheus.yml", ctx, own_host="prometheus",
                                 rule_files=[], fixtures_dir=REPO / "fixtures", synthetic_address=None)  # fmt: skip
    data = yaml.safe_load(rendered.path.read_text())
    source = yaml.safe_load((REPO / "stack/prometheus/prometheus.yml").read_text())
    for job, original in zip(data["scrape_configs"], source["scrape_configs"], strict=True):
        assert job.get("scheme") == original.get("scheme")
        if "tls_config" in original:
            assert job["tls_config"]["ca_file"] == str(ctx.ca.ca_file)
    assert data["alerting"]["alertmanagers"][0]["tls_config"]["ca_file"] == str(ctx.ca.ca_file)
    assert ctx.ca.ca_file.is_file()


def test_a_list_flag_repeats() -> None:
    assert flag_args({"cluster.peer": ["a:9094", "b:9094"], "x": ""}) == [
        "--cluster.peer=a:9094", "--cluster.peer=b:9094", "--x=",
    ]  # fmt: skip


class _Json(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "success", "data": {"resultType": "vector", "result": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_harness_clients_verify_with_the_run_ca_whatever_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = RunCA(tmp_path)
    cert, key = ca.issue("prometheus", ("prometheus", "127.0.0.1"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Json)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    # an environment that trusts another bundle must not override the run's CA
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "elsewhere.pem"))
    try:
        assert PrometheusClient(url, ca_bundle=ca.ca_file).get_json("/api/v1/query")["status"] == "success"
        with pytest.raises(QueryFailed, match="CERTIFICATE_VERIFY_FAILED"):
            PrometheusClient(url, ca_bundle=certifi.where()).instant("up", 0.0)
    finally:
        server.shutdown()
        server.server_close()


class _SlowThen401(BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            time.sleep(0.6)  # a bcrypt on a loaded machine
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_slow_refusal_is_asked_again_and_still_needs_the_401() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowThen401)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert send(url, Endpoint("GET", "/metrics"), None, True, timeout=0.3) == 401
        assert _SlowThen401.calls == 2
    finally:
        server.shutdown()
        server.server_close()
