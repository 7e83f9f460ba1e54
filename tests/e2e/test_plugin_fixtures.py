"""The pytest plugin's fixtures, used as a stackcheck user would in their own tests."""

import pytest

from validation.sinks import by_receiver

pytestmark = pytest.mark.e2e


def test_an_alert_posted_to_alertmanager_reaches_the_archive(stack, inbox):
    stack.alertmanager().post_alerts(
        [{"labels": {"alertname": "PluginProbe", "severity": "info", "node": "plugin-node-1"}}]
    )
    note = inbox.wait_for(by_receiver("webhook-archive"), timeout=20)
    assert "PluginProbe" in note.alertnames


def test_injected_series_are_scraped(stack, synthetic):
    from validation.core.wait import wait_until

    synthetic.add_timeline(
        ("plugin_probe_value", {"instance": "plugin:1"}), "42x100", 0.25, scenario="plugin"
    )
    prom = stack.prometheus()
    samples = wait_until(
        lambda: prom.query('plugin_probe_value{instance="plugin:1"}') or None,
        timeout=30,
        what="the injected series in Prometheus",
    )
    assert samples[0].value == 42
