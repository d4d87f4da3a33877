"""A throw-away git repository holding this checkout's files, for tests that run the workflow as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent
"""The environment's bin folder: `snakemake` and `dvc` as commands, the way dvc.yaml calls them."""


def workflow_env() -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", CORDSNET_NO_TQDM="1",
                GOMP_SPINCOUNT="10000", GIT_AUTHOR_NAME="test", GIT_AUTHOR_EMAIL="test@example.org",
                GIT_COMMITTER_NAME="test", GIT_COMMITTER_EMAIL="test@example.org")


def run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``cmd``; on failure the assertion shows the tail of its output."""
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=workflow_env())
    assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
    return res


def copy_checkout(dest: Path) -> Path:
    """Copy the files git would commit (tracked and not ignored, so uncommitted edits count) and commit them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
        elif src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / rel)
    run(["git", "init", "-q", "-b", "main"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-q", "-m", "checkout under test"], dest)
    return dest
