#!/usr/bin/env bash
# System parts rxlab needs beside its venv: Debian packages, a Docker engine, the sandbox image.
# Every step checks first and does nothing when already done, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v g++ >/dev/null || need+=(g++) # builds the engine's CPU kernels (kernels/engine/cpu)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "rxlab set-up needs root to install: ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd in the background (log: /var/log/rxlab-dockerd.log)"
  nohup dockerd >/var/log/rxlab-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/rxlab-dockerd.log" >&2; exit 1; }
fi

# The sandbox base image, built offline once (debootstrap + docker import); skips when tagged.
py=.venv/bin/python
[ -x "$py" ] || py=python3
"$py" -m sandbox.image
