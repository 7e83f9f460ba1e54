"""Container images without an engine: names, build contexts, keep/pull/build, which image runs use."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fake_engine import FakeClient, FakeImages
from validation.components import COMPONENTS
from validation.core.errors import ComponentUnavailable
from validation.core.project import ComponentConfig
from validation.docker.images.build import (
    ensure_local,
    ensure_official,
    package_data_files,
    recipe_for,
)
from validation.docker.images.choice import choose_images, image_for
from validation.docker.images.context import (
    LABEL_BUILT_FROM,
    LABEL_VERSION,
    ImageRecipe,
    context_layout,
    dockerfile,
    is_static,
    parse_ldd,
    write_context,
)
from validation.docker.images.names import local_image_name, official_image, tag_version
from validation.docker.images.provision import provision_image

pytestmark = pytest.mark.unit

DEBIAN_LDD = """\
\tlinux-vdso.so.1 (0x00007ffc6a1f2000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f91bae87000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f91bb07c000)
"""
OFFICIAL = "prom/prometheus:v2.42.0"
LOCAL = "stackcheck-local/prometheus:2.42.0"


# ---------------------------------------------------------------- ldd and build context
@pytest.mark.parametrize(
    ("case", "output", "expected"),
    [
        (
            "debian go binary: libc and the loader, vdso skipped",
            DEBIAN_LDD,
            ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"],
        ),
        ("duplicates are listed once", DEBIAN_LDD + DEBIAN_LDD, None),
        ("static binary has no libraries", "\tnot a dynamic executable\n", []),
        (
            "arrow without address line is ignored",
            "\tlibfoo.so => (0x0)\n\tlibc.so.6 => /lib/libc.so.6 (0x1)\n",
            ["/lib/libc.so.6"],
        ),
    ],
)
def test_parse_ldd(case: str, output: str, expected: list[str] | None) -> None:
    if expected is None:
        expected = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]
    assert [str(p) for p in parse_ldd(output)] == expected, case


def test_parse_ldd_names_a_library_that_is_not_found() -> None:
    with pytest.raises(ValueError, match=r"libssl\.so\.3"):
        parse_ldd("\tlibssl.so.3 => not found\n" + DEBIAN_LDD)


@pytest.mark.parametrize(
    ("output", "static"),
    [("\tnot a dynamic executable\n", True), ("\tstatically linked\n", True), (DEBIAN_LDD, False)],
)
def test_is_static(output: str, static: bool) -> None:
    assert is_static(output) is static


def _recipe(tmp_path: Path, **labels: str) -> ImageRecipe:
    binary = tmp_path / "host" / "prometheus"
    binary.parent.mkdir(parents=True, exist_ok=True)
    binary.write_bytes(b"\x7fELF fake")
    binary.chmod(0o755)
    return ImageRecipe(
        tag="stackcheck-local/prometheus:2.42.0",
        binary=binary,
        entrypoint="/bin/prometheus",
        labels=labels or {LABEL_BUILT_FROM: f"{binary}@2.42.0", LABEL_VERSION: "2.42.0"},
    )


def test_dockerfile_is_from_scratch_with_the_official_entrypoint(tmp_path: Path) -> None:
    lines = dockerfile(_recipe(tmp_path)).splitlines()
    assert lines[0] == "FROM scratch"
    assert lines[-1] == 'ENTRYPOINT ["/bin/prometheus"]'
    assert "COPY rootfs/ /" in lines


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_dockerfile_label_values_survive_quoting(value: str) -> None:
    recipe = ImageRecipe(tag="t:1", binary=Path("/b"), entrypoint="/bin/b", labels={"k": value})
    label_line = next(line for line in dockerfile(recipe).splitlines() if line.startswith("LABEL "))
    key, _, quoted = label_line.removeprefix("LABEL ").partition("=")
    assert json.loads(key) == "k"
    assert json.loads(quoted) == value


def test_context_layout_puts_libraries_at_their_own_path_and_the_binary_at_the_entrypoint(
    tmp_path: Path,
) -> None:
    recipe = ImageRecipe(
        tag="t:1",
        binary=Path("/usr/bin/prometheus"),
        entrypoint="/bin/prometheus",
        libraries=(Path("/lib/x86_64-linux-gnu/libc.so.6"),),
        extra_binaries=((Path("/usr/bin/promtool"), "/bin/promtool"),),
    )
    assert context_layout(recipe) == {
        "bin/prometheus": Path("/usr/bin/prometheus"),
        "bin/promtool": Path("/usr/bin/promtool"),
        "lib/x86_64-linux-gnu/libc.so.6": Path("/lib/x86_64-linux-gnu/libc.so.6"),
    }


def test_write_context_copies_symlink_targets_and_adds_a_minimal_etc(tmp_path: Path) -> None:
    real_lib = tmp_path / "host" / "libc-2.36.so"
    real_lib.parent.mkdir(parents=True)
    real_lib.write_bytes(b"libc bytes")
    link = tmp_path / "host" / "libc.so.6"
    link.symlink_to(real_lib)
    base = _recipe(tmp_path)
    recipe = ImageRecipe(
        tag=base.tag, binary=base.binary, entrypoint=base.entrypoint, libraries=(link,), labels=base.labels
    )
    context = write_context(recipe, tmp_path / "ctx")
    rootfs = context / "rootfs"
    copied = rootfs / str(link).lstrip("/")
    assert not copied.is_symlink() and copied.read_bytes() == b"libc bytes"
    assert (rootfs / "bin" / "prometheus").stat().st_mode & stat.S_IXUSR
    assert (rootfs / "etc" / "passwd").read_text().startswith("root:x:0:0:")
    assert stat.S_IMODE((rootfs / "tmp").stat().st_mode) == 0o1777
    assert (context / "Dockerfile").read_text() == dockerfile(recipe)


def test_package_data_files_keep_share_data_and_drop_docs() -> None:
    listing = "\n".join(
        [
            "/.",
            "/usr/bin/prometheus-alertmanager",
            "/usr/share",
            "/usr/share/prometheus/alertmanager/default.tmpl",
            "/usr/share/prometheus/alertmanager/ui",
            "/usr/share/doc/prometheus-alertmanager/changelog.gz",
            "/usr/share/man/man1/prometheus-alertmanager.1.gz",
        ]
    )
    files = {
        "/usr/share/prometheus/alertmanager/default.tmpl",
        "/usr/share/doc/prometheus-alertmanager/changelog.gz",
    }
    got = package_data_files(listing, is_file=lambda p: str(p) in files)
    assert got == [Path("/usr/share/prometheus/alertmanager/default.tmpl")]


def test_recipe_for_collects_libraries_of_every_binary_and_labels_the_version(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> tuple[int, str]:
        calls.append(argv)
        if argv[0] == "ldd":
            return 0, DEBIAN_LDD
        return 1, "dpkg-query: package not installed"

    recipe = recipe_for(
        component="prometheus",
        tag="prom/prometheus:v2.42.0",
        binary=Path("/usr/bin/prometheus"),
        version="2.42.0",
        entrypoint="/bin/prometheus",
        extra_binaries=((Path("/usr/bin/promtool"), "/bin/promtool"),),
        debian_package="prometheus",
        run=run,
    )
    assert [c[:2] for c in calls] == [
        ["ldd", "/usr/bin/prometheus"],
        ["ldd", "/usr/bin/promtool"],
        ["dpkg", "-L"],
    ]
    assert len(recipe.libraries) == 2
    assert recipe.labels[LABEL_BUILT_FROM] == "/usr/bin/prometheus@2.42.0"
    assert recipe.labels[LABEL_VERSION] == "2.42.0"
    assert recipe.data_files == ()


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("prom/prometheus:v2.42.0", "2.42.0"),
        ("grafana/grafana:10.4.2", "10.4.2"),
        ("localhost:5000/prom/prometheus", ""),
        ("localhost:5000/prom/prometheus:v1.0.0", "1.0.0"),
    ],
)
def test_tag_version(tag: str, version: str) -> None:
    assert tag_version(tag) == version


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("config", "tag"),
    [
        (
            ComponentConfig("prometheus", version="2.42.0", image="registry.local/prom:x"),
            "registry.local/prom:x",
        ),
        (ComponentConfig("prometheus", version="2.42.0"), OFFICIAL),
        (ComponentConfig("prometheus"), "prom/prometheus:latest"),
    ],
)
def test_official_image_prefers_the_pinned_image(config: ComponentConfig, tag: str) -> None:
    assert official_image(COMPONENTS["prometheus"], config) == tag


@pytest.mark.parametrize(
    ("component", "version", "tag"),
    [
        ("prometheus", "2.42.0", LOCAL),
        ("node_exporter", "1.5.0", "stackcheck-local/node_exporter:1.5.0"),
        ("pushgateway", "", "stackcheck-local/pushgateway:unversioned"),
    ],
)
def test_local_image_name_is_the_projects_own(component: str, version: str, tag: str) -> None:
    assert local_image_name(component, version) == tag


# ---------------------------------------------------------------- keep, pull, build
@pytest.mark.parametrize(
    ("case", "present", "pull", "pull_error", "status", "source"),
    [
        ("genuine official image present: kept", {OFFICIAL: {}}, False, "", "present", "official"),
        ("absent, pull allowed and works: pulled", {}, True, "", "pulled", "official"),
        ("absent, offline: absent with the pull error", {}, True, "no such host", "absent", ""),
        ("absent, pulling off: absent, not tried", {}, False, "", "absent", ""),
        (
            "a local build under the official name: not the official image",
            {OFFICIAL: {LABEL_BUILT_FROM: "/usr/bin/prometheus@2.42.0"}},
            False,
            "",
            "absent",
            "",
        ),
    ],
)
def test_ensure_official_keeps_a_genuine_image_or_pulls(
    case: str, present: dict[str, Any], pull: bool, pull_error: str, status: str, source: str
) -> None:
    images = FakeImages(present, pull_error)
    outcome = ensure_official(FakeClient(images), OFFICIAL, pull=pull)
    assert (outcome.status, outcome.source) == (status, source), case
    assert images.pulled == ([OFFICIAL] if pull and not present else [])
    if status == "absent":
        assert outcome.reason.startswith(OFFICIAL), outcome.reason
        assert pull_error in outcome.reason


@pytest.mark.parametrize(
    ("case", "present", "status", "built"),
    [
        ("absent: built", {}, "built", True),
        ("ours from the same binary: kept", {LOCAL: "same"}, "present", False),
        ("ours from another binary: rebuilt", {LOCAL: "other"}, "rebuilt", True),
    ],
)
def test_ensure_local_builds_under_the_local_name(
    tmp_path: Path, case: str, present: dict[str, str], status: str, built: bool
) -> None:
    recipe = _recipe(tmp_path)
    labels = {
        "same": recipe.labels,
        "other": {LABEL_BUILT_FROM: "/opt/prometheus@2.41.0", LABEL_VERSION: "2.41.0"},
    }
    images = FakeImages({t: labels[v] for t, v in present.items()})
    outcome = ensure_local(FakeClient(images), recipe)
    assert (outcome.status, outcome.source, outcome.version) == (status, "local build", "2.42.0"), case
    assert [t for t, _ in images.built] == ([LOCAL] if built else [])


def test_ensure_local_refuses_an_official_name(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    official = ImageRecipe(OFFICIAL, recipe.binary, recipe.entrypoint, labels=recipe.labels)
    images = FakeImages({})
    with pytest.raises(ValueError, match="only under stackcheck-local/"):
        ensure_local(FakeClient(images), official)
    assert images.built == []


def test_a_built_image_that_does_not_start_with_the_right_version_is_an_error(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    client = FakeClient(FakeImages({}), version_answer="exec /bin/prometheus: no such file or directory")
    with pytest.raises(RuntimeError, match="no such file"):
        ensure_local(client, recipe)
    ok = FakeClient(FakeImages({}))
    ensure_local(ok, recipe)
    assert ok.containers.runs == [
        (LOCAL, {"network_mode": "none", "remove": True, "stdout": True, "stderr": True})
    ]


@pytest.mark.parametrize(
    ("case", "present", "with_recipe", "tag", "status", "reason"),
    [
        ("official present: used, nothing built", {OFFICIAL: {}}, True, OFFICIAL, "present", ""),
        ("official absent: the local build", {}, True, LOCAL, "built", "runs use the local build " + LOCAL),
        (
            "official absent, no binary: absent",
            {},
            False,
            OFFICIAL,
            "absent",
            "no local binary to build from",
        ),
    ],
)
def test_provision_image_prefers_the_official_image_then_a_local_build(
    tmp_path: Path, case: str, present: dict[str, Any], with_recipe: bool, tag: str, status: str, reason: str
) -> None:
    recipe = _recipe(tmp_path)
    outcome = provision_image(
        FakeClient(FakeImages(present)), OFFICIAL, (lambda: recipe) if with_recipe else None, pull=False
    )
    assert (outcome.tag, outcome.status) == (tag, status), case
    assert reason in outcome.reason


# ---------------------------------------------------------------- which image a run uses
CONFIGS = {
    "prometheus": ComponentConfig("prometheus", version="2.42.0", image=OFFICIAL),
    "alertmanager": ComponentConfig("alertmanager", version="0.25.0"),
    "pushgateway": ComponentConfig("pushgateway", version="1.5.1"),
    "node_exporter": ComponentConfig("node_exporter", version="1.5.0"),
}


def test_a_run_uses_the_official_image_else_the_local_build_at_the_pin_else_the_newest() -> None:
    built = {LABEL_BUILT_FROM: "/usr/bin/x@1", LABEL_VERSION: ""}
    images = FakeImages(
        {
            OFFICIAL: {},
            "stackcheck-local/prometheus:2.42.0": {**built, LABEL_VERSION: "2.42.0"},
            "prom/alertmanager:v0.25.0": built,  # mistagged by an older release: not official
            "stackcheck-local/alertmanager:0.25.0": {**built, LABEL_VERSION: "0.25.0"},
            "stackcheck-local/pushgateway:1.4.0": {**built, LABEL_VERSION: "1.4.0"},
            "stackcheck-local/pushgateway:1.5.0": {**built, LABEL_VERSION: "1.5.0"},
        }
    )
    choices = choose_images(CONFIGS, FakeClient(images))
    assert {n: (c.image, c.source, c.version) for n, c in choices.items()} == {
        "prometheus": (OFFICIAL, "official", "2.42.0"),
        "alertmanager": ("stackcheck-local/alertmanager:0.25.0", "local build", "0.25.0"),
        "pushgateway": ("stackcheck-local/pushgateway:1.5.0", "local build", "1.5.0"),
        "node_exporter": ("", "", ""),
    }
    assert choices["node_exporter"].describe() == "none (prom/node-exporter:v1.5.0 absent, no local build)"
    assert choices["alertmanager"].describe() == "stackcheck-local/alertmanager:0.25.0 (local build)"


def test_image_for_names_provision_when_neither_image_is_there() -> None:
    with pytest.raises(ComponentUnavailable, match="provision --docker") as info:
        image_for(COMPONENTS["prometheus"], CONFIGS["prometheus"], FakeClient(FakeImages({})))
    assert (
        "neither prom/prometheus:v2.42.0 nor a local build stackcheck-local/prometheus" in info.value.render()
    )
