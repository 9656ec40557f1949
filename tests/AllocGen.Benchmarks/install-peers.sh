#!/usr/bin/env bash
# Installs the native allocators the benchmarks compare against (mimalloc, jemalloc, tcmalloc)
# from Debian's packages. Idempotent: packages already installed are left alone, and the
# package index is only refreshed when something is missing. Never fails the caller: when apt
# is unavailable (not Debian/Ubuntu, no root) it says so and exits 0, and the benchmarks then
# skip the missing peers with a message.
set -u

PACKAGES=(libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-peers: apt-get not available; skipping. Benchmarks will skip peers whose library is missing."
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "install-peers: $p already installed"
  else
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: all peer allocators present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-peers: not root and no sudo; cannot install ${missing[*]}. Peers will be skipped."
    exit 0
  fi
fi

echo "install-peers: installing ${missing[*]}"
if ! $SUDO apt-get update; then
  echo "install-peers: apt-get update failed; peers that are missing will be skipped."
  exit 0
fi
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  echo "install-peers: apt-get install failed for some of ${missing[*]}; peers that are missing will be skipped."
  exit 0
fi
echo "install-peers: done"
exit 0
