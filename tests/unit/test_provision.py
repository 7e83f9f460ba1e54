"""`stackcheck provision`: ldd parsing, build contexts, the apt decision and image outcomes (no engine)."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.components import COMPONENTS
from validation.core.project import ComponentConfig
from validation.docker.images.build import (
    ensure_image,
    package_data_files,
    recipe_for,
    tag_version,
)
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
from validation.provision.apt import Apt, HostFacts, is_debian_package
from validation.provision.provision import (
    Provisioned,
    ensure_binary,
    format_table,
    image_for,
    image_tag,
    image_versions,
    missing_images,
    provision,
)

pytestmark = pytest.mark.unit

DEBIAN_LDD = """\
\tlinux-vdso.so.1 (0x00007ffc6a1f2000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f91bae87000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f91bb07c000)
"""
ROOT = HostFacts(is_root=True, is_debian=True, has_apt=True)
USER = HostFacts(is_root=False, is_debian=True, has_apt=True)


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
        tag="prom/prometheus:v2.42.0",
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


# ---------------------------------------------------------------- apt decision
class FakeRunner:
    """Answers apt-get commands from a script: each install attempt pops the next exit code."""

    def __init__(self, install_codes: list[int], on_install: Any = None) -> None:
        self.install_codes = install_codes
        self.calls: list[list[str]] = []
        self.on_install = on_install

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(argv)
        if "install" in argv:
            code = self.install_codes.pop(0)
            if code == 0 and self.on_install:
                self.on_install(argv[-1])
            return code, "E: Unable to locate package" if code else "Setting up"
        return 0, ""

    def commands(self) -> list[str]:
        return [" ".join(a[2:4]) for a in self.calls]


@pytest.mark.parametrize(
    ("case", "codes", "ok", "commands"),
    [
        ("install works: no update", [0], True, ["apt-get install"]),
        (
            "install fails: update once, retry",
            [100, 0],
            True,
            ["apt-get install", "apt-get update", "apt-get install"],
        ),
        (
            "fails after update too",
            [100, 100],
            False,
            ["apt-get install", "apt-get update", "apt-get install"],
        ),
    ],
)
def test_apt_install_updates_only_after_a_failure(
    case: str, codes: list[int], ok: bool, commands: list[str]
) -> None:
    runner = FakeRunner(codes)
    assert Apt(runner).install("prometheus")[0] is ok, case
    assert runner.commands() == commands


def test_apt_updates_at_most_once_per_provision() -> None:
    runner = FakeRunner([100, 100, 100])
    apt = Apt(runner)
    apt.install("prometheus")
    apt.install("prometheus-alertmanager")
    assert runner.commands().count("apt-get update") == 1


def _which(present: set[str]) -> Any:
    return lambda name: f"/usr/bin/{name}" if name in present else None


@pytest.mark.parametrize(
    ("case", "component", "present", "host", "required", "status", "reason_has", "apt_calls"),
    [
        ("binary on PATH: nothing installed", "prometheus", {"prometheus"}, ROOT, True, "found", "", 0),
        ("upstream name found too", "alertmanager", {"alertmanager"}, USER, True, "found", "", 0),
        ("root on Debian installs the package", "prometheus", set(), ROOT, True, "installed", "", 1),
        ("not root: missing, says what to install", "pushgateway", set(), USER, True, "missing",
         "apt-get install prometheus-pushgateway", 0),
        ("no Debian package, optional: absent, apt untouched", "grafana", set(), ROOT, False, "absent",
         "no Debian package", 0),
        ("no Debian package, required: missing", "grafana", set(), ROOT, True, "missing", "no Debian package", 0),
    ],
)  # fmt: skip
def test_ensure_binary_decides_between_path_apt_and_reporting(
    case: str,
    component: str,
    present: set[str],
    host: HostFacts,
    required: bool,
    status: str,
    reason_has: str,
    apt_calls: int,
) -> None:
    spec = COMPONENTS[component]
    runner = FakeRunner([0], on_install=lambda pkg: present.add(spec.binaries[0]))
    item = Provisioned(component, required=required)
    ensure_binary(
        spec,
        ComponentConfig(component, required=required),
        item,
        host=host,
        apt=Apt(runner),
        which=_which(present),
    )
    assert item.binary_status == status, case
    assert (item.binary != "") is (status in ("found", "installed"))
    assert reason_has in " ".join(item.reasons)
    assert sum("install" in c for c in runner.calls) == apt_calls


def test_ensure_binary_reports_a_package_that_installed_no_binary() -> None:
    item = Provisioned("prometheus", required=True)
    ensure_binary(
        COMPONENTS["prometheus"],
        ComponentConfig("prometheus"),
        item,
        host=ROOT,
        apt=Apt(FakeRunner([0])),
        which=_which(set()),
    )
    assert item.binary_status == "missing"
    assert "installed no prometheus" in item.reasons[0]


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("prometheus", True),
        ("prometheus-node-exporter", True),
        ("grafana (not in Debian: use X)", False),
        ("", False),
    ],
)
def test_is_debian_package(name: str, package: bool) -> None:
    assert is_debian_package(name) is package


# ---------------------------------------------------------------- images with a fake engine
class FakeImage:
    def __init__(self, labels: dict[str, str]) -> None:
        self.attrs = {"Config": {"Labels": labels}}


class FakeImages:
    def __init__(self, present: dict[str, dict[str, str]], pull_error: str = "no such host") -> None:
        self.present = present
        self.pull_error = pull_error
        self.built: list[tuple[str, str]] = []
        self.pulled: list[str] = []

    def get(self, tag: str) -> FakeImage:
        if tag not in self.present:
            raise docker.errors.ImageNotFound(tag)
        return FakeImage(self.present[tag])

    def pull(self, repository: str, tag: str) -> FakeImage:
        self.pulled.append(f"{repository}:{tag}")
        if self.pull_error:
            raise docker.errors.APIError(self.pull_error)
        self.present[f"{repository}:{tag}"] = {}
        return FakeImage({})

    def build(self, *, path: str, tag: str, **_: Any) -> tuple[FakeImage, list[Any]]:
        self.built.append((tag, (Path(path) / "Dockerfile").read_text()))
        self.present[tag] = {}
        return FakeImage({}), []


class FakeRunContainers:
    """``containers.run(tag, ["--version"])`` as a built image answers it."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def run(self, tag: str, command: list[str], **kwargs: Any) -> bytes:
        self.runs.append((tag, kwargs))
        return self.answer.encode()


class FakeClient:
    def __init__(self, images: FakeImages, version_answer: str = "prometheus, version 2.42.0+ds") -> None:
        self.images = images
        self.containers = FakeRunContainers(version_answer)


TAG = "prom/prometheus:v2.42.0"


@pytest.mark.parametrize(
    ("case", "present", "pull_error", "with_recipe", "status", "built"),
    [
        ("official image present: kept", {TAG: {}}, "", True, "present", False),
        ("absent, pull works: pulled", {}, "", True, "pulled", False),
        ("absent, offline: built from the binary", {}, "no such host", True, "built", True),
        ("absent, offline, no binary: absent", {}, "no such host", False, "absent", False),
        ("ours from the same binary: kept", {TAG: "same"}, "no such host", True, "present", False),
        ("ours from another binary: rebuilt", {TAG: "other"}, "no such host", True, "rebuilt", True),
    ],
)
def test_ensure_image_keeps_pulls_or_builds(
    tmp_path: Path,
    case: str,
    present: dict[str, Any],
    pull_error: str,
    with_recipe: bool,
    status: str,
    built: bool,
) -> None:
    recipe = _recipe(tmp_path)
    labels = {
        "same": recipe.labels,
        "other": {LABEL_BUILT_FROM: "/opt/prometheus@2.41.0", LABEL_VERSION: "2.41.0"},
    }
    images = FakeImages(
        {t: labels.get(v, v) if isinstance(v, str) else v for t, v in present.items()}, pull_error
    )
    outcome = ensure_image(FakeClient(images), TAG, recipe=(lambda: recipe) if with_recipe else None)
    assert outcome.status == status, case
    assert bool(images.built) is built
    if built:
        assert outcome.version == "2.42.0"
        assert images.built[0][0] == TAG
    if status == "absent":
        assert "no such host" in outcome.reason


def test_a_built_image_that_does_not_start_with_the_right_version_is_an_error(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    client = FakeClient(FakeImages({}), version_answer="exec /bin/prometheus: no such file or directory")
    with pytest.raises(RuntimeError, match="no such file"):
        ensure_image(client, TAG, recipe=lambda: recipe)
    ok = FakeClient(FakeImages({}))
    ensure_image(ok, TAG, recipe=lambda: recipe)
    assert ok.containers.runs == [
        (TAG, {"network_mode": "none", "remove": True, "stdout": True, "stderr": True})
    ]


def test_image_for_names_provision_when_the_image_is_missing() -> None:
    with pytest.raises(Exception, match="stackcheck provision") as info:
        image_for(
            COMPONENTS["prometheus"], ComponentConfig("prometheus", version="2.42.0"), FakeClient(FakeImages({}))
        )
    assert info.type.__name__ == "ComponentUnavailable"


@pytest.mark.parametrize(
    ("config", "tag"),
    [
        (
            ComponentConfig("prometheus", version="2.42.0", image="registry.local/prom:x"),
            "registry.local/prom:x",
        ),
        (ComponentConfig("prometheus", version="2.42.0"), "prom/prometheus:v2.42.0"),
        (ComponentConfig("prometheus"), "prom/prometheus:latest"),
    ],
)
def test_image_tag_prefers_the_pinned_image(config: ComponentConfig, tag: str) -> None:
    assert image_tag(COMPONENTS["prometheus"], config) == tag


# ---------------------------------------------------------------- provision end to end (fakes)
def _provision(
    tmp_path: Path, present: set[str], host: HostFacts, client: Any = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    def run(argv: list[str]) -> tuple[int, str]:
        return (0, DEBIAN_LDD) if argv[0] == "ldd" else (100, "E: no network")

    code = provision(
        tmp_path, out=out, err=err, host=host, run=run, which=_which(present), client=client, use_engine=False
    )
    return code, out.getvalue(), err.getvalue()


ALL_BINARIES = {"prometheus", "prometheus-alertmanager", "prometheus-pushgateway", "prometheus-node-exporter"}


def test_provision_passes_when_only_the_optional_grafana_is_absent(tmp_path: Path) -> None:
    code, out, err = _provision(tmp_path, set(ALL_BINARIES), USER)
    assert code == 0
    assert "grafana" in out and "(absent)" in out
    assert "note: grafana: no grafana or grafana-server on PATH and no Debian package" in err
    assert "error" not in err


def test_provision_exits_2_naming_the_package_to_install(tmp_path: Path) -> None:
    code, _, err = _provision(tmp_path, ALL_BINARIES - {"prometheus-pushgateway"}, USER)
    assert code == 2
    assert "error: pushgateway:" in err and "apt-get install prometheus-pushgateway" in err


def test_provision_accepts_a_missing_binary_when_its_image_exists(tmp_path: Path) -> None:
    present_images = {f"{COMPONENTS[n].image}:v{v}": {} for n, v in [("pushgateway", "1.5.1")]}
    images = FakeImages(present_images)
    for name, version in [("prometheus", "2.42.0"), ("alertmanager", "0.25.0"), ("node_exporter", "1.5.0")]:
        images.present[f"{COMPONENTS[name].image}:v{version}"] = {}
    code, out, _ = _provision(tmp_path, ALL_BINARIES - {"prometheus-pushgateway"}, USER, FakeClient(images))
    assert code == 0
    assert "prom/pushgateway:v1.5.1" in out


def test_provision_builds_offline_images_from_the_binaries(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ALL_BINARIES:
        (bin_dir / name).write_bytes(b"fake")
    images = FakeImages({})
    out, err = io.StringIO(), io.StringIO()
    code = provision(
        tmp_path,
        out=out,
        err=err,
        host=USER,
        run=lambda argv: (1, "\tnot a dynamic executable\n") if argv[0] == "ldd" else (1, ""),
        which=lambda name: str(bin_dir / name) if name in ALL_BINARIES else None,
        client=FakeClient(images),
    )
    assert code == 0, err
    assert sorted(t for t, _ in images.built) == [
        "prom/alertmanager:v0.25.0",
        "prom/node-exporter:v1.5.0",
        "prom/prometheus:v2.42.0",
        "prom/pushgateway:v1.5.1",
    ]
    assert all("ENTRYPOINT" in text for _, text in images.built)


def test_format_table_aligns_columns_and_shows_a_version_mismatch() -> None:
    items = [
        Provisioned("prometheus", True, "/usr/bin/prometheus", "2.42.0", "found", TAG, "built", "2.42.0"),
        Provisioned("alertmanager", True, "", "", "missing", "prom/alertmanager:v0.25.0", "pulled", "0.25.0"),
    ]
    lines = format_table(items).splitlines()
    assert lines[0].split() == ["component", "binary", "version", "image", "image", "status"]
    assert lines[1].index("/usr/bin") == lines[2].index("(missing)") == lines[0].index("binary")
    assert "- (image 0.25.0)" in lines[2]


def test_image_versions_read_the_built_label_else_the_tag_and_missing_images_lists_the_rest() -> None:
    images = FakeImages({TAG: {LABEL_VERSION: "2.42.0"}, "prom/alertmanager:v0.25.0": {}})
    configs = {
        "prometheus": ComponentConfig("prometheus", version="2.42.0", image=TAG),
        "alertmanager": ComponentConfig("alertmanager", version="0.25.0"),
        "pushgateway": ComponentConfig("pushgateway", version="1.5.1"),
    }
    assert image_versions(configs, FakeClient(images)) == {
        "prometheus": "2.42.0",
        "alertmanager": "0.25.0",
        "pushgateway": "",
    }
    assert missing_images(configs, FakeClient(images)) == ["prom/pushgateway:v1.5.1"]


def test_provision_notes_a_binary_whose_version_differs_from_the_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(type(COMPONENTS["prometheus"]), "version", lambda self, binary: "2.41.0")
    code, _, err = _provision(tmp_path, set(ALL_BINARIES), USER)
    assert code == 0
    assert "note: prometheus: stack.yaml pins 2.42.0 but /usr/bin/prometheus is 2.41.0" in err
