#!/usr/bin/env bash
# Installs what zonegate's build, tests and demo need on a fresh Debian machine with Node 20:
# the Debian packages (via apt-get when root; otherwise it stops with the exact apt line) and the
# npm packages from the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssh-server openssh-client rsync bubblewrap shellcheck util-linux bsdutils time bind9 bind9-utils bind9-dnsutils nsd knot knot-dnsutils knot-dnssecutils ldnsutils man-db groff-base iproute2 logrotate adduser)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
