"""The README on a fresh machine: a bare Debian 12 (bookworm) and a bare
Debian 13 (trixie) root file system from `debootstrap --variant=minbase`
(tests/container/make-base-image.sh), where the README's first command (the
demo: set up, build, serve) runs exactly as README.md writes it, as root, in
a copy of this working tree; then the README's curl lines, verbatim, must
print their documented answers (`# {...}` under each line), and so must the
other documented requests to the demo in docs/ (PROTOCOL.md's).

The commands are read out of README.md at run time (tests/docs/snippets.py),
never copied here, so the README cannot drift from what works.

What comes from the host, as a CI machine behind a mirror passes it in, and
nothing else: apt's sources (the host's suites renamed to the leg's) and the
apt.conf.d files that set proxies or snapshot validity; the local CA
certificates (/usr/local/share/ca-certificates, which the container's
ca-certificates adds to its bundle); pip's configuration files and PIP_*
variables, with the local directories they name (find-links,
file:// indexes, constraint files) mounted read-only; proxy variables. No
Python, headers, packages or caches of the host. The container uses the host
network (the mirror config may name loopback proxies); the demo listens on
a free port (PORT, which scripts/demo.sh reads) and the curl lines are sent
with localhost:8080 replaced by it.

Skipped, saying why: without podman and runc (or not as root), without
debootstrap when the base image is missing, when a package the set-up needs
is not in the leg's Debian release, or with
SKS_FRESH=0. Each leg is bounded (SKS_FRESH_TIMEOUT, default 1500 s).

    pytest tests/fresh -s        # -s prints each leg's timings
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "docs"))
sys.path.insert(0, str(ROOT / "tests" / "container"))
from container_images import RUN_FLAGS, free_port, podman, podman_env, require_podman  # noqa: E402
from snippets import demo_requests, on_port, readme_requests, readme_setup_command  # noqa: E402

SUITES = {"bookworm": "12", "trixie": "13"}
TIMEOUT = int(os.environ.get("SKS_FRESH_TIMEOUT", "1500"))
WORKDIR = "/root/skscore"  # where the user cloned the repository
PIP_PATH_KEYS = {
    "find-links",
    "index-url",
    "extra-index-url",
    "constraint",
    "requirement",
    "cert",
    "client-cert",
}
APT_NETWORK_SETTINGS = re.compile(r"Proxy|Check-Valid-Until|Check-Date|Retries", re.IGNORECASE)

pytestmark = pytest.mark.skipif(
    os.environ.get("SKS_FRESH", "1") == "0", reason="SKS_FRESH=0: fresh-machine tier turned off"
)


# ------------------------------------------------------------ what the host passes in


def host_codename() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"')
    return ""


def apt_mounts(suite: str, work: Path) -> list[str]:
    """-v flags: the host's apt sources, suites renamed to suite, and the
    apt.conf.d files that carry network settings (proxies, snapshot dates)."""
    sources = [Path("/etc/apt/sources.list")] if Path("/etc/apt/sources.list").is_file() else []
    sources += sorted(
        p for p in Path("/etc/apt/sources.list.d").glob("*") if p.suffix in (".list", ".sources")
    )
    if not sources:
        pytest.skip("the host has no apt sources to pass in")
    code = host_codename()
    flags = []
    (work / "apt").mkdir()
    for i, src in enumerate(sources):
        text = src.read_text()
        if code and code != suite:
            text = re.sub(rf"\b{code}\b", suite, text)
        copy = work / "apt" / f"{i}-{src.name}"
        copy.write_text(text)
        flags += ["-v", f"{copy}:{src}:ro"]
    for conf in sorted(Path("/etc/apt/apt.conf.d").glob("*")):
        if conf.is_file() and APT_NETWORK_SETTINGS.search(conf.read_text(errors="replace")):
            flags += ["-v", f"{conf}:{conf}:ro"]
    return flags


def pip_config_files() -> list[Path]:
    home = Path.home()
    xdg = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    candidates = [Path("/etc/pip.conf"), *(Path(d) / "pip" / "pip.conf" for d in xdg)]
    candidates += [home / ".config" / "pip" / "pip.conf", home / ".pip" / "pip.conf"]
    if os.environ.get("PIP_CONFIG_FILE"):
        candidates.append(Path(os.environ["PIP_CONFIG_FILE"]))
    return [p for p in dict.fromkeys(candidates) if p.is_file()]


def pip_settings() -> tuple[list[str], list[str]]:
    """(-v flags, -e flags): pip's configuration files at the paths pip reads
    them from in the container (the host user's home becomes /root), PIP_*
    variables, and read-only mounts of the local paths they name. The CA
    bundle (cert) is not mounted: ca-certificates provides it in the container."""
    home = Path.home()
    mounts, env, values = [], [], []
    for conf in pip_config_files():
        target = conf if home not in conf.parents else Path("/root") / conf.relative_to(home)
        mounts += ["-v", f"{conf}:{target}:ro"]
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(conf)
        for section in parser.sections():
            values += [v for k, v in parser.items(section) if k in PIP_PATH_KEYS and k != "cert"]
    for key, value in sorted(os.environ.items()):
        if key.startswith("PIP_"):
            env += ["-e", f"{key}={value}"]
            if key[4:].lower().replace("_", "-") in PIP_PATH_KEYS - {"cert"}:
                values.append(value)
        elif key.lower() in ("http_proxy", "https_proxy", "no_proxy"):
            env += ["-e", f"{key}={value}"]
    paths = set()
    for token in " ".join(values).split():
        path = token[len("file://") :] if token.startswith("file://") else token
        if not path.startswith("/"):
            continue
        p = Path(path.rstrip("/"))
        if p.name == "simple":  # a PEP 503 index links to ../../files: mount its parent
            p = p.parent
        if p.exists():
            paths.add(p)
    for p in sorted(paths):
        if not any(q in p.parents for q in paths):
            mounts += ["-v", f"{p}:{p}:ro"]
    return mounts, env


def ca_mounts() -> list[str]:
    """-v flag for the host's local CA certificates (a mirror's or proxy's
    CA): Debian's ca-certificates adds /usr/local/share/ca-certificates/*.crt
    to the bundle when the set-up installs it, as on the host."""
    local = Path("/usr/local/share/ca-certificates")
    if local.is_dir() and any(local.rglob("*.crt")):
        return ["-v", f"{local}:{local}:ro"]
    return []


# ------------------------------------------------------------ the container


def base_image(suite: str) -> str:
    """The bare minbase image of suite (made once with debootstrap, as the
    image tests make bookworm's)."""
    require_podman()
    image = f"docker.io/library/debian:{suite}"
    if podman("image", "exists", image, check=False).returncode == 0:
        return image
    if shutil.which("debootstrap") is None:
        pytest.skip(f"{image} missing and debootstrap not installed (apt-get install debootstrap)")
    env = dict(podman_env())
    mirror = host_mirror()
    if mirror:
        env["DEBIAN_MIRROR"] = mirror
    out = subprocess.run(
        [str(ROOT / "tests" / "container" / "make-base-image.sh"), suite],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    if out.returncode != 0:
        pytest.skip(f"debootstrap of {suite} failed here: {out.stderr.strip()[-500:]}")
    return image


def host_mirror() -> str | None:
    """The Debian archive URI of the host's apt sources."""
    for src in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if not src.is_file() or src.suffix not in (".list", ".sources", ""):
            continue
        for m in re.finditer(
            r"(?:^URIs:\s*|^deb\s+(?:\[[^]]*\]\s+)?)(\S+/debian)/?\s", src.read_text(), re.MULTILINE
        ):
            return m.group(1)
    return None


def working_tree_copy(dest: Path) -> Path:
    """The files of this working tree a clone would have (tracked, plus new
    files not ignored), without build trees, .venv or anything ignored."""
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "-co", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    tree = dest / "skscore"
    tree.mkdir()
    for name in filter(None, files):
        src = ROOT / os.fsdecode(name)
        if src.is_file():
            target = tree / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return tree


def apt_has(name: str, image: str, flags: list[str], packages: list[str]) -> list[str]:
    """The packages apt cannot find in image's release (after apt-get update)."""
    script = (
        "apt-get update -qq >/dev/null 2>&1 || exit 3; for p in "
        + " ".join(packages)
        + '; do apt-cache show "$p" >/dev/null 2>&1 || echo "$p"; done'
    )
    out = podman(
        "run", "--rm", "--name", name, *flags, image, "sh", "-c", script, check=False, timeout=300
    )
    if out.returncode == 3:
        pytest.fail(
            f"apt-get update failed in {image} with the host's sources:\n{out.stderr[-2000:]}"
        )
    return out.stdout.split()


def setup_packages() -> list[str]:
    """Every package scripts/setup.sh installs for the demo (msgpack-c under
    either name is checked by setup.sh itself)."""
    lines = (ROOT / "scripts" / "apt-packages.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize("suite", list(SUITES), ids=lambda s: f"debian{SUITES[s]}-{s}")
def test_readme_on_a_fresh_machine(suite, tmp_path):
    setup_cmd = readme_setup_command()
    requests = readme_requests()
    # README's lines first (the issue's), then the docs' other requests to the demo.
    requests += [(c, a) for _, c, a in demo_requests() if (c, a) not in requests]
    assert setup_cmd.split()[0] == "scripts/demo.sh", f"README's first command: {setup_cmd!r}"
    assert requests, "README.md documents no curl line with its answer"
    image = base_image(suite)
    apt_flags = apt_mounts(suite, tmp_path)
    pip_mounts, pip_env = pip_settings()
    name = f"skscore-fresh-{suite}-{uuid.uuid4().hex[:8]}"
    common = [*RUN_FLAGS, "--network", "host", *apt_flags, *ca_mounts()]

    t0 = time.monotonic()
    missing = apt_has(name + "-apt", image, common, setup_packages())
    if missing:
        pytest.skip(
            f"Debian {SUITES[suite]} ({suite}) has no {', '.join(missing)} in the host's archive: "
            "the set-up cannot install it there (the leg is ready for when it can)"
        )
    tree = working_tree_copy(tmp_path)
    port = free_port()
    podman(
        "run",
        "-d",
        "--name",
        name,
        *common,
        *pip_mounts,
        *pip_env,
        "-e",
        f"PORT={port}",
        "-v",
        f"{tree}:{WORKDIR}",
        "-w",
        WORKDIR,
        image,
        "sh",
        "-c",
        setup_cmd,
    )
    try:
        ready = wait_for_demo(name, port, t0)
        t_ready = time.monotonic() - t0
        answers = []
        for cmd, documented in requests:
            sent = on_port(cmd, port)
            out = podman("exec", name, "sh", "-c", sent, check=False, timeout=60)
            try:
                got = json.loads(out.stdout)
            except ValueError:
                got = out.stdout + out.stderr
            answers.append((cmd, documented, got))
        count = "dpkg-query -W -f '${Status}\\n' | grep -c 'install ok installed'"
        base = podman("run", "--rm", *RUN_FLAGS, "--network", "none", image, "sh", "-c", count)
        after = podman("exec", name, "sh", "-c", count)
        print(
            f"\n[fresh {suite}] {ready}\n[fresh {suite}] README's set-up to serving "
            f"{t_ready:.0f} s; Debian packages {base.stdout.strip()} -> {after.stdout.strip()}; "
            f"{len(answers)} documented request(s) sent"
        )
        for cmd, documented, got in answers:
            assert got == documented, (
                f"Debian {SUITES[suite]}: README's\n  {cmd}\n"
                f"answered {got!r}, README says {documented!r}"
            )
    finally:
        podman("rm", "-f", "-t", "5", name, check=False, timeout=120)


def wait_for_demo(name: str, port: int, t0: float) -> str:
    """Waits until the demo's gateway answers /readyz; fails with the log if
    the set-up exits or takes longer than TIMEOUT. Returns the log's last line."""
    while time.monotonic() - t0 < TIMEOUT:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    time.sleep(1)  # the demo prints its greeting
                    logs = podman("logs", name, check=False)
                    text = (logs.stdout + logs.stderr).strip()
                    return text.splitlines()[-1] if text else ""
        except OSError:
            pass
        state = podman(
            "inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name, check=False
        ).stdout.split()
        if state and state[0] == "false":
            logs = podman("logs", name, check=False)
            pytest.fail(
                f"README's set-up exited ({state[1:]}) before serving:\n"
                f"{(logs.stdout + logs.stderr)[-4000:]}"
            )
        time.sleep(5)
    logs = podman("logs", name, check=False)
    pytest.fail(
        f"README's set-up not serving after {TIMEOUT} s:\n{(logs.stdout + logs.stderr)[-4000:]}"
    )
