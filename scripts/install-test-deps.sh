#!/usr/bin/env bash
# Installs the Debian packages the tests need (restic is the interop oracle). Idempotent and quick when present.
set -euo pipefail
need=()
command -v restic >/dev/null || need+=(restic)
command -v unzip >/dev/null || need+=(unzip)
command -v python3 >/dev/null || need+=(python3)
command -v getfattr >/dev/null || need+=(attr)
command -v setpriv >/dev/null || need+=(util-linux)
command -v rclone >/dev/null || need+=(rclone)
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v mariadbd >/dev/null || need+=(mariadb-server)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || need+=(postgresql)
command -v dockerd >/dev/null || need+=(docker.io)
[[ -x /bin/busybox ]] || need+=(busybox-static)
if ((${#need[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "Missing test tools: ${need[*]}. Install them (apt-get install ${need[*]}) and run again." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=300
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi
