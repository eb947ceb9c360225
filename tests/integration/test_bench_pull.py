# SPDX-License-Identifier: Apache-2.0
"""Smoke test of bench/pull.sh: one run of the big image, every tool measured, nothing left.

The layers are built once into the bench's cache (/var/cache/berth-bench, ~200 MB); the
debian image (debootstrap) is left to real benchmark runs.
"""
import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("docker-registry", "skopeo", "podman", "gzip", "cc")


@pytest.mark.skipif(os.geteuid() != 0, reason="podman and berth store owners: needs root")
@pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason="a bench tool is missing")
def test_pull_bench_smoke(tmp_path):
    before = set(glob.glob("/tmp/bpr.*"))
    env = dict(os.environ, RUNS="1", IMAGES="big", SETTLE="0", BENCH_DIR=str(tmp_path))
    r = subprocess.run([str(REPO / "bench" / "pull.sh")], capture_output=True, text=True,
                       timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {line[:20].strip(): line[20:].split() for line in r.stdout.splitlines()
            if line[:20].strip() and not line.startswith(("==", " "))}
    for tool in ("berth pull", "podman pull", "skopeo copy (dir)", "zcat | sha256sum",
                 "tar -xzf"):
        assert tool in rows, r.stdout
        wall, cpu, mbs = (float(x) for x in rows[tool][:3])
        assert wall > 0 and cpu > 0 and mbs > 0, rows[tool]
    assert float(rows["berth pull"][3]) == 1.0  # the ratios are against berth
    # Everything cleaned up: the work dir, podman's runroots, mounts, the registry.
    assert os.listdir(tmp_path) == []
    assert set(glob.glob("/tmp/bpr.*")) == before
    mounts = Path("/proc/self/mounts").read_text()
    assert str(tmp_path) not in mounts
    ps = subprocess.run(["pgrep", "-af", f"docker-registry serve {tmp_path}"],
                        capture_output=True, text=True).stdout
    assert ps.strip() == ""
