#!/usr/bin/env bash
# Installs the Debian packages the tests need (restic is the interop oracle). Idempotent and quick when present.
set -euo pipefail
need=()
command -v restic >/dev/null || need+=(restic)
command -v unzip >/dev/null || need+=(unzip)
# The daemon's tar.zst archives are read back with the zstd tool.
command -v zstd >/dev/null || need+=(zstd)
command -v python3 >/dev/null || need+=(python3)
command -v getfattr >/dev/null || need+=(attr)
command -v setpriv >/dev/null || need+=(util-linux)
command -v rclone >/dev/null || need+=(rclone)
# GNU time: the benchmark's smoke test (test/e2e/bench-smoke.test.ts) reads wall, CPU and peak RSS from it.
[[ -x /usr/bin/time ]] || need+=(time)
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v mariadbd >/dev/null || need+=(mariadb-server)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || need+=(postgresql)
command -v dockerd >/dev/null || need+=(docker.io)
[[ -x /bin/busybox ]] || need+=(busybox-static)
# The dashboard's end-to-end tests drive Debian's Chromium through playwright-core (never a downloaded browser).
[[ -x /usr/bin/chromium ]] || need+=(chromium fonts-liberation)
# A CJK font, so the screenshots of the Chinese dashboard show characters rather than empty boxes.
[[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || need+=(fonts-wqy-microhei)
if ((${#need[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "Missing test tools: ${need[*]}. Install them (apt-get install ${need[*]}) and run again." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=300
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${need[@]}" >/dev/null
fi
