# SPDX-License-Identifier: Apache-2.0
"""CLI surface: --version, features, spec, --log/--log-format."""
import json
import os


def test_version(ctr):
    r = ctr.ok("--version")
    assert "version" in r.stdout.lower()
    assert "spec" in r.stdout.lower()


def test_features_json(ctr):
    f = json.loads(ctr.ok("features").stdout)
    assert f["ociVersionMin"].startswith("1.")
    assert f["ociVersionMax"].startswith("1.")
    assert "hooks" in f and "createRuntime" in f["hooks"]
    assert "mountOptions" in f and "ro" in f["mountOptions"]
    ns = f["linux"]["namespaces"]
    assert {"pid", "network", "mount", "user"} <= set(ns)
    assert "CAP_SYS_ADMIN" in f["linux"]["capabilities"]


def test_spec_writes_config_that_run_accepts(ctr):
    os.remove(ctr.bundle / "config.json")
    ctr.ok("spec", "--bundle", ctr.bundle)
    cfg = json.loads((ctr.bundle / "config.json").read_text())
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/probe"]
    cfg["linux"]["cgroupsPath"] = ctr.cgroups_path
    ctr.write_config(cfg)
    r = ctr.runtime("run", "--bundle", ctr.bundle, ctr.id)
    assert r.returncode == 0, r
    assert json.loads(r.stdout)["pid"] == 1


def test_spec_refuses_to_overwrite(ctr):
    before = (ctr.bundle / "config.json").read_text()
    assert ctr.runtime("spec", "--bundle", ctr.bundle).returncode != 0
    assert (ctr.bundle / "config.json").read_text() == before


def test_log_json_on_error(ctr):
    log = ctr.base / "runtime.log"
    r = ctr.runtime("state", "no-such-container", glob=("--log", log, "--log-format", "json"))
    assert r.returncode != 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines
    assert any(entry.get("level") == "error" for entry in lines)
    assert all("msg" in entry for entry in lines)


def test_unknown_command_fails(ctr):
    r = ctr.runtime("no-such-command")
    assert r.returncode != 0


def test_help(ctr):
    r = ctr.runtime("--help")
    assert r.returncode == 0
    for cmd in ("create", "start", "state", "kill", "delete", "run", "exec"):
        assert cmd in r.stdout
