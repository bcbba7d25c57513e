"""A nix-daemon install as people have one: the daemon trusts the user, who has only ~/.ssh/id_ed25519 and named no
identity in nixswarm's config; root has no key of its own. The daemon's ssh runs as root and reads neither the
user's ssh config nor their agent, so nixswarm must hand it the user's key file (machines column 3, and the drop-in
of `write --system`) and prove that very key before nix runs."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.e2e.daemon_client import DaemonClient, trusted_daemon_client
from tests.e2e.helpers import MakeLab, salt
from tests.lab import BuilderSpec, Lab
from tests.lab.graph import graph_args, read_graph_outputs
from tests.lab.procs import stop


@pytest.fixture
def client(make_lab: MakeLab) -> Iterator[DaemonClient]:
    """b1 knows only the lab's client key, which the user has as ~/.ssh/id_ed25519; b1 is added without --identity."""
    lab = make_lab([BuilderSpec()])
    with trusted_daemon_client(lab) as client:
        ssh = client.home / ".ssh"
        ssh.mkdir(mode=0o700)
        shutil.copy(lab.client_key, ssh / "id_ed25519")
        shutil.copy(f"{lab.client_key}.pub", ssh / "id_ed25519.pub")
        (ssh / "id_ed25519").chmod(0o600)
        client.give_home()
        b1 = lab.builder("b1")
        added = client.nixswarm("hosts", "add", "b1", f"root@{b1.address}")
        trusted = client.nixswarm("hosts", "trust", "b1", "--fingerprint", b1.fingerprint())
        assert added.returncode == 0 and trusted.returncode == 0, added.stderr + trusted.stderr
        yield client


def build(client: DaemonClient, *options: str, env: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    lab = client.lab
    return client.nixswarm(
        "build",
        "--no-local",
        *options,
        "-f",
        str(lab.graph()),
        *graph_args(lab.graph_dir, salt(), 2, 1),
        "--no-link",
        "--json",
        env=env,
    )


def column_3(dry_run: subprocess.CompletedProcess[str], uri: str) -> str:
    """The identity file of the builders-file line for uri that a dry run printed."""
    lines = [line.split() for line in dry_run.stdout.splitlines() if line.startswith(f"{uri} ")]
    assert len(lines) == 1, dry_run.stdout + dry_run.stderr
    return lines[0][2]


def built_on(lab: Lab, done: subprocess.CompletedProcess[str]) -> set[str]:
    paths = [p for item in json.loads(done.stdout) for p in item["outputs"].values()]
    names = {b.lab_id: b.name for b in lab.builders}
    return {names.get(n.built_by, n.built_by) for n in read_graph_outputs(paths)}


def test_the_users_default_key_reaches_root_s_ssh_before_and_after_write_system(client: DaemonClient) -> None:
    lab, key = client.lab, client.home / ".ssh" / "id_ed25519"
    b1 = lab.builder("b1")
    assert "identity" not in (client.home / ".config/nixswarm/config.toml").read_text()

    planned = build(client, "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert column_3(planned, f"ssh-ng://root@{b1.address}") == str(key)  # ssh -G's choice, as root will get it
    done = build(client)
    assert done.returncode == 0, done.stderr[-3000:]
    assert built_on(lab, done) == {"b1"}
    assert "left out" not in done.stderr

    wrote = client.sudo_nixswarm("write", "--system")
    assert wrote.returncode == 0, wrote.stderr
    drop_in = client.base / "ssh_config.d" / "nixswarm.conf"  # /etc/ssh/ssh_config.d/nixswarm.conf in its namespace
    etc_nix = client.base / "etc-nix"  # /etc/nix there
    for path in (drop_in, etc_nix / "nixswarm-known_hosts", etc_nix / "nixswarm-machines"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert f"IdentityFile {key}\n  IdentitiesOnly yes" in drop_in.read_text()

    doctor = client.nixswarm("doctor")
    assert "[OK  ] root ssh: root's ssh reads nixswarm's drop-in" in doctor.stdout, doctor.stdout
    assert f"[OK  ] root key: root's ssh is given {key} for b1" in doctor.stdout, doctor.stdout
    assert "[FAIL]" not in doctor.stdout, doctor.stdout

    planned = build(client, "--dry-run")
    assert column_3(planned, "ssh-ng://nixswarm-b1") == str(key)  # named by the drop-in's alias
    done = build(client)
    assert done.returncode == 0, done.stderr[-3000:]
    assert built_on(lab, done) == {"b1"}
    assert "left out" not in done.stderr


def test_a_key_only_in_the_agent_is_named_before_nix_runs(client: DaemonClient) -> None:
    """The user's own ssh logs in through the agent; root's cannot, and nix would fail on every host."""
    agent_socket = client.home / "agent.sock"  # the user's own folder: the agent runs as them
    agent = subprocess.Popen(
        [*client.enter(), "runuser", "-u", client.user, "--", "ssh-agent", "-D", "-a", str(agent_socket)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        agent_env = (f"SSH_AUTH_SOCK={agent_socket}",)
        deadline = time.monotonic() + 5
        while not agent_socket.exists() and agent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert agent_socket.exists(), f"ssh-agent did not start (exit {agent.poll()})"
        key = client.home / ".ssh" / "id_ed25519"
        added = client.run("ssh-add", str(key), env=agent_env)
        assert added.returncode == 0, added.stderr
        key.unlink()
        (client.home / ".ssh" / "id_ed25519.pub").unlink()
        b1 = client.lab.builder("b1")
        with_agent = client.run(
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "HostKeyAlias=x",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            f"root@{b1.address}",
            "true",
            env=agent_env,
        )
        assert with_agent.returncode == 0, with_agent.stderr  # the user's own ssh gets in

        done = build(client, env=agent_env)
        assert done.returncode == 3, done.stderr[-3000:]
        assert "b1: the nix-daemon runs ssh as root: your key is only in your ssh-agent" in done.stderr
        assert 'identity = "/path/to/private-key"' in done.stderr
        assert "building" not in done.stderr  # said before nix ran

        doctor = client.nixswarm("doctor", env=agent_env)
        told = "[FAIL] root key: b1: the nix-daemon runs ssh as root: your key is only in your ssh-agent"
        assert told in doctor.stdout, doctor.stdout
    finally:
        stop(agent.pid, "ssh-agent")
        agent.wait(timeout=5)
