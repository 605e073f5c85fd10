#!/usr/bin/env bash
# README's deployment, step by step, on two hosts: a primary (ns1: 192.0.2.10, 2001:db8::10, and
# 192.0.2.99, an address its key must NOT be accepted from) and a secondary (ns2: 192.0.2.53,
# 2001:db8::53), joined by a veth pair. Each host is a network namespace plus a mount namespace
# with its own copy of /etc and its own /opt, /run, /usr/local/sbin, /var/lib/zonegate,
# /var/log/zonegate and /var/cache/bind, so each runs its own sshd and named with the stock Debian
# paths the README uses, and nothing here touches the real machine's files, accounts or network.
# (/var/lib/zonegate is a mount point here, so adduser warns that it did not create that home.)
#
# Usage (as root): test/deployment/two-hosts.sh ZONEGATE_TARBALL
# Lines "STEP …" follow README's steps; the last line is "RESULT first-verified-push-ms=N", the time
# from the first `npm install --global` to a push whose serials the secondary's named serves.
# The harness lines (marked "harness:") make the two fresh hosts; every other command is README's.
set -euo pipefail

tarball=$(realpath "$1")
[[ $(id -u) -eq 0 ]] || { echo "two-hosts: run as root (network and mount namespaces)" >&2; exit 1; }
for tool in /usr/sbin/ip /usr/bin/nsenter /usr/bin/unshare /usr/sbin/sshd /usr/sbin/named /usr/bin/dig /usr/sbin/adduser /usr/bin/rsync; do
  [[ -x $tool ]] || { echo "two-hosts: $tool is missing: bash scripts/setup.sh installs it" >&2; exit 1; }
done

tag="zg$$"
work=$(mktemp -d /tmp/zonegate-two-hosts.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for host in pri sec; do
    umount "$work/ns/$host" 2>/dev/null || true
    ip netns del "$tag-$host" 2>/dev/null || true
  done
  umount "$work/ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# on HOST CMD…: run a command on one host (its network and mount namespaces), with the PATH that
# README's install step sets.
on() {
  local host=$1
  shift
  nsenter --net="/run/netns/$tag-$host" --mount="$work/ns/$host" -- env -i HOME=/root LC_ALL=C.UTF-8 \
    PATH=/opt/zonegate/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
# install HOST CMD…: the same, but with the machine's network: the two test hosts have no route to
# the npm registry, which the install step needs for the runtime dependencies (through the
# machine's TLS proxy, if it has one).
install_on() {
  local host=$1
  shift
  nsenter --mount="$work/ns/$host" -- env -i HOME=/root LC_ALL=C.UTF-8 PATH=/opt/zonegate/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"} "$@"
}
step() { echo "STEP $*"; }
now_ms() { date +%s%3N; }

echo "harness: two hosts in $work"
mkdir -p "$work/ns"
mount --bind "$work/ns" "$work/ns"
mount --make-private "$work/ns"
for host in pri sec; do
  ip netns add "$tag-$host"
  touch "$work/ns/$host"
  unshare --mount="$work/ns/$host" --propagation private true
  mkdir -p "$work/$host"/{etc,opt,run,lib,log,cache,sbin}
  cp -a /etc/. "$work/$host/etc/"
  chown root:bind "$work/$host/cache" && chmod 775 "$work/$host/cache"
  nsenter --mount="$work/ns/$host" -- sh -euc "
    mount --bind '$work/$host/etc' /etc
    mount --bind '$work/$host/opt' /opt
    mount --bind '$work/$host/run' /run
    mkdir -p /var/lib/zonegate /var/log/zonegate
    mount --bind '$work/$host/lib' /var/lib/zonegate
    mount --bind '$work/$host/log' /var/log/zonegate
    mount --bind '$work/$host/cache' /var/cache/bind
    mount --bind '$work/$host/sbin' /usr/local/sbin
    rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /etc/cron.d/zonegate*
    ssh-keygen -q -A
    install -d -o bind -g bind /run/named
    install -d /run/sshd
  "
  ip netns exec "$tag-$host" ip link set lo up
done
ip link add "$tag-p" type veth peer name "$tag-s"
ip link set "$tag-p" netns "$tag-pri"
ip link set "$tag-s" netns "$tag-sec"
ip -n "$tag-pri" addr add 192.0.2.10/24 dev "$tag-p"
ip -n "$tag-pri" addr add 192.0.2.99/24 dev "$tag-p"
ip -n "$tag-pri" addr add 2001:db8::10/64 dev "$tag-p" nodad
ip -n "$tag-sec" addr add 192.0.2.53/24 dev "$tag-s"
ip -n "$tag-sec" addr add 2001:db8::53/64 dev "$tag-s" nodad
ip -n "$tag-pri" link set "$tag-p" up
ip -n "$tag-sec" link set "$tag-s" up
cp "$tarball" "$work/pri/opt/" && cp "$tarball" "$work/sec/opt/"
package=/opt/$(basename "$tarball")

started=$(now_ms)
step "primary 1: install the package"
install_on pri npm install --global --prefix /opt/zonegate --no-audit --no-fund --loglevel=error "$package"

step "primary 2: zonegate init --role primary; zonegate keygen ns2"
on pri zonegate init --role primary
on pri zonegate keygen ns2
public_key=$(on pri cat /etc/zonegate/keys/ns2.pub)

step "secondary 1: install the package"
install_on sec npm install --global --prefix /opt/zonegate --no-audit --no-fund --loglevel=error "$package"

step "secondary 2: the dedicated account"
on sec adduser --quiet --system --group --shell /bin/sh --home /var/lib/zonegate zonegate
on sec adduser --quiet zonegate bind

step "secondary 3: zonegate init --role secondary --user zonegate, then the keys and zone sets"
on sec zonegate init --role secondary --user zonegate
on sec sh -c 'cat > /etc/zonegate/zonegate.conf' <<CONF
{
  "gate": { "log": "/var/log/zonegate/gate.log", "sandbox": "auto" },
  "keys": {
    "ns1": {
      "publicKey": "$public_key",
      "from": ["192.0.2.10", "2001:db8::10"],
      "rules": [
        { "direction": "upload", "root": "/var/lib/zonegate/external", "paths": ["**"], "delete": true,
          "zoneSet": { "name": "external", "zones": ["example.com"], "view": "external", "rndc": ["/usr/sbin/rndc"] } },
        { "direction": "upload", "root": "/var/lib/zonegate/internal", "paths": ["**"], "delete": true,
          "zoneSet": { "name": "internal", "zones": ["example.com"], "view": "internal", "rndc": ["/usr/sbin/rndc"],
                       "verify": { "server": "127.0.0.1", "source": "127.0.0.2" } } }
      ]
    }
  }
}
CONF
on sec zonegate init --role secondary --user zonegate

step "secondary 4: named.conf includes each zone set's zone list inside its view; start named"
on sec sh -c 'cat > /etc/bind/named.conf' <<'NAMED'
include "/etc/bind/named.conf.options";
view "internal" { match-clients { 127.0.0.2; 10.0.0.0/8; };
                  include "/var/lib/zonegate/internal/.zonegate/named-zones.conf"; };
view "external" { match-clients { any; };
                  include "/etc/bind/named.conf.default-zones";
                  include "/var/lib/zonegate/external/.zonegate/named-zones.conf"; };
NAMED
on sec named-checkconf
# harness: named in the foreground (-g: its log on stderr, kept for failures), as systemd runs it.
on sec /usr/sbin/named -u bind -g >"$work/named.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do on sec rndc status >/dev/null 2>&1 && break; sleep 0.1; done
on sec rndc status >/dev/null || { cat "$work/named.log" >&2; echo "two-hosts: named did not start" >&2; exit 1; }

step "secondary 5: authorized_keys for the account, sshd"
on sec zonegate authorized-keys --install /var/lib/zonegate/.ssh/authorized_keys --create
# harness: sshd in the foreground (-D -e: its log kept for failures), as systemd runs it.
on sec /usr/sbin/sshd -D -e >"$work/sshd.log" 2>&1 &
pids+=("$!")
for _ in $(seq 100); do on pri bash -c 'exec 3<>/dev/tcp/192.0.2.53/22' 2>/dev/null && break; sleep 0.1; done

step "secondary 6: zonegate doctor --user zonegate"
on sec zonegate doctor --user zonegate

step "primary 3: pin the secondary's host key (fingerprint compared out of band)"
fingerprint=$(on sec ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2)
on pri zonegate target add ns2 --host 192.0.2.53 --fingerprint "$fingerprint"

step "primary 4: the targets, the zones, the first push"
on pri sh -c 'cat > /etc/zonegate/zonegate.conf' <<'CONF'
{
  "targets": {
    "ns2-external": { "host": "192.0.2.53", "user": "zonegate", "identity": "/etc/zonegate/keys/ns2",
                      "knownHosts": "/etc/zonegate/known_hosts", "source": "/var/lib/zonegate/zones/external", "destination": "/var/lib/zonegate/external/",
                      "delete": true, "zoneFile": "db.{zone}" },
    "ns2-internal": { "host": "192.0.2.53", "user": "zonegate", "identity": "/etc/zonegate/keys/ns2",
                      "knownHosts": "/etc/zonegate/known_hosts", "source": "/var/lib/zonegate/zones/internal", "destination": "/var/lib/zonegate/internal/",
                      "delete": true, "zoneFile": "db.{zone}" }
  }
}
CONF
zone() {
  printf '$TTL 300\n@ IN SOA ns2.example.com. hostmaster.example.com. %s 3600 600 86400 300\n@ IN NS ns2.example.com.\nns2 IN A 192.0.2.53\nwww IN A %s\n' "$1" "$2"
}
on pri mkdir -p /var/lib/zonegate/zones/external /var/lib/zonegate/zones/internal
zone 2026112501 192.0.2.80 | on pri sh -c 'cat > /var/lib/zonegate/zones/external/db.example.com'
zone 2026112511 10.0.0.80 | on pri sh -c 'cat > /var/lib/zonegate/zones/internal/db.example.com'
on pri zonegate push
serial() { on "$1" dig +short "${@:2}" example.com SOA | cut -d' ' -f3; }
[[ $(serial pri @192.0.2.53) == 2026112501 ]] || { echo "two-hosts: the external view does not serve the pushed serial" >&2; exit 1; }
[[ $(serial sec @127.0.0.1 -b 127.0.0.2) == 2026112511 ]] || { echo "two-hosts: the internal view does not serve the pushed serial" >&2; exit 1; }
first_push_ms=$(($(now_ms) - started))

step "primary 5: zonegate cron --write; zonegate status --nagios"
on pri zonegate cron --write >/dev/null
on pri zonegate status --nagios

step "from=: a push over IPv6 from 2001:db8::10 is accepted"
zone 2026112502 192.0.2.81 | on pri sh -c 'cat > /var/lib/zonegate/zones/external/db.example.com'
on pri rsync -rt --delete -e 'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i /etc/zonegate/keys/ns2 -b 2001:db8::10' \
  /var/lib/zonegate/zones/external/ 'zonegate@[2001:db8::53]:/var/lib/zonegate/external/'
[[ $(serial pri @2001:db8::53) == 2026112502 ]] || { echo "two-hosts: the IPv6 push is not served" >&2; exit 1; }

step "from=: the same key from 192.0.2.99 is refused by sshd, and nothing changes"
# Attack: a stolen push key used from another address on the primary's own network.
zone 2026112503 192.0.2.66 | on pri sh -c 'cat > /var/lib/zonegate/zones/external/db.example.com'
before=$(on sec sha256sum /var/lib/zonegate/external/current/db.example.com)
status=0
on pri rsync -rt --delete -e 'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i /etc/zonegate/keys/ns2 -b 192.0.2.99' \
  /var/lib/zonegate/zones/external/ zonegate@192.0.2.53:/var/lib/zonegate/external/ 2>"$work/refused.err" || status=$?
grep -q 'Permission denied (publickey' "$work/refused.err" || { cat "$work/refused.err" >&2; echo "two-hosts: 192.0.2.99 was not refused by from=" >&2; exit 1; }
[[ $status -ne 0 ]] || { echo "two-hosts: the refused push exited 0" >&2; exit 1; }
grep -q 'not from a permitted host (host=192.0.2.99' "$work/sshd.log" || { cat "$work/sshd.log" >&2; echo "two-hosts: sshd did not log the from= refusal" >&2; exit 1; }
[[ $(on sec sha256sum /var/lib/zonegate/external/current/db.example.com) == "$before" ]] || { echo "two-hosts: the live zone changed" >&2; exit 1; }
[[ $(serial pri @192.0.2.53) == 2026112502 ]] || { echo "two-hosts: named serves another serial after the refusal" >&2; exit 1; }

echo "RESULT first-verified-push-ms=$first_push_ms"
