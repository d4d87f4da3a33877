"""A real one-node SLURM cluster (Debian's slurm-wlm + munge, no systemd, no database) for the profile test.

Recipe and traps: ../shared/SLURM.md. The node advertises partitions named like the production profile's (cpu, gpu,
debug) so that workflow/profiles/slurm runs unchanged apart from the status command and polling intervals.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurm-wlm", "munge"]
ETC_CONF = Path("/etc/slurm/slurm.conf")


def unavailable_reason() -> str | None:
    """Why this machine cannot start a cluster, or None if it can."""
    if os.name != "posix" or os.geteuid() != 0:
        return "needs root to start slurmctld/slurmd/munged (run the tests as root to include it)"
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        return "SLURM is not installed and there is no apt-get to install slurm-wlm and munge"
    if ETC_CONF.exists() and not ETC_CONF.is_symlink():
        return f"{ETC_CONF} belongs to a SLURM installation this test must not replace"
    return None


def install() -> None:
    if shutil.which("slurmctld") and shutil.which("munged"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    if subprocess.run(cmd, env=env, capture_output=True, timeout=600).returncode != 0:  # stale or no package lists
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=600)


def _conf(state: Path, node: str, cpus: int, mem_mb: int) -> str:
    node_line = (f"NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} Sockets=1 CoresPerSocket={cpus} ThreadsPerCore=1 "
                 f"RealMemory={mem_mb} State=UNKNOWN")
    return f"""ClusterName=cordsnetci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={state}/munge/munge.socket
StateSaveLocation={state}/slurmctld
SlurmdSpoolDir={state}/slurmd
SlurmctldPidFile={state}/run/slurmctld.pid
SlurmdPidFile={state}/run/slurmd.pid
SlurmctldLogFile={state}/log/slurmctld.log
SlurmdLogFile={state}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={state}/log/jobcomp.txt
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=500
ReturnToService=2
MinJobAge=600
{node_line}
PartitionName=cpu Nodes={node} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={node} MaxTime=INFINITE State=UP
PartitionName=debug Nodes={node} MaxTime=INFINITE State=UP
"""


class Cluster:
    """Start with :meth:`start`, stop with :meth:`stop` (daemons by their PID files, the /etc symlink removed)."""

    def __init__(self, state: Path):
        self.state = state
        self.node = socket.gethostname().split(".")[0]
        self.pids = {name: state / "run" / f"{name}.pid" for name in ("munged", "slurmctld", "slurmd")}
        self._linked = False

    def start(self, cpus: int | None = None, mem_mb: int = 16000) -> None:
        cpus = cpus or os.cpu_count() or 2
        for sub in ("munge", "slurmctld", "slurmd", "run", "log"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o755)
        os.chmod(self.state / "munge", 0o755)
        key = self.state / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o600)
        conf = self.state / "slurm.conf"
        conf.write_text(_conf(self.state, self.node, cpus, mem_mb))
        self._resolve_node()
        ETC_CONF.parent.mkdir(parents=True, exist_ok=True)
        if ETC_CONF.is_symlink():
            ETC_CONF.unlink()
        ETC_CONF.symlink_to(conf)  # the in-job plugin strips SLURM_CONF: it must be found here
        self._linked = True
        subprocess.run(["munged", f"--socket={self.state}/munge/munge.socket", f"--key-file={key}",
                        f"--pid-file={self.pids['munged']}", f"--log-file={self.state}/log/munged.log",
                        f"--seed-file={self.state}/munge.seed"], check=True, timeout=30)
        subprocess.run(["slurmctld", "-c", "-f", str(conf)], check=True, timeout=30)
        subprocess.run(["slurmd", "-f", str(conf), "-N", self.node], check=True, timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline:
            out = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True).stdout
            if "idle" in out:
                return
            time.sleep(0.5)
        raise RuntimeError(f"the SLURM node did not become idle; see {self.state}/log")

    def _resolve_node(self) -> None:
        if subprocess.run(["getent", "hosts", self.node], capture_output=True).returncode != 0:
            with open("/etc/hosts", "a") as fh:
                fh.write(f"127.0.0.1 {self.node}\n")

    def stop(self) -> None:
        for name in ("slurmd", "slurmctld", "munged"):
            pid_file = self.pids[name]
            if pid_file.is_file():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass
        time.sleep(1)
        if self._linked and ETC_CONF.is_symlink():
            ETC_CONF.unlink()
