#!/usr/bin/env bash
# The main job on a fresh Debian machine: installs what hecd needs, makes sure a
# Docker engine runs, then starts the whole stack with a demo service.
# Extra arguments go to `hecd up` (default: --demo 3). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
if ! docker version >/dev/null 2>&1; then
  echo "demo: no Docker engine answers on /var/run/docker.sock; starting dockerd, which stays running after the demo (log: /var/log/hecd-dockerd.log)" >&2
  # Its own session: Ctrl-C in the demo must not reach dockerd before hecd up has removed the demo containers.
  setsid nohup dockerd --storage-driver=vfs >/var/log/hecd-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.3; done
  docker version >/dev/null 2>&1 || { echo "demo: dockerd did not start; see /var/log/hecd-dockerd.log" >&2; exit 1; }
fi
if [ $# -eq 0 ]; then set -- --demo 3; fi
exec bin/hecd up "$@"
