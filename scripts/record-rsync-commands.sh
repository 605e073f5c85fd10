#!/bin/sh
# Records the command lines a real rsync client asks sshd to run (SSH_ORIGINAL_COMMAND) and writes
# them as test/fixtures/rsync-client-commands.json. Each case names the client invocation, the
# direction and delete flag we expect the gate to see, and the expected outcome ("ok" or the
# refusal reason). The "remote shell" is a recorder that drops the host word, joins the rest with
# single spaces exactly as ssh does, appends it to a file and fails, so nothing is transferred.
#
#   usage: scripts/record-rsync-commands.sh [OUTPUT.json]   (needs rsync and node)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/test/fixtures/rsync-client-commands.json"}
rsync=${RSYNC:-rsync}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

cat >"$work/recorder" <<'EOF'
#!/bin/sh
shift
printf '%s' "$*" >"$ZG_RECORD"
exit 1
EOF
chmod +x "$work/recorder"
mkdir -p "$work/src/sub" "$work/dst"
echo a >"$work/src/a"
echo b >"$work/src/sub/b"
: >"$work/records"

# case DIRECTION DELETES EXPECT CLIENT-ARG...
case_() {
  direction=$1 deletes=$2 expect=$3
  shift 3
  rm -f "$work/command"
  (cd "$work" && ZG_RECORD="$work/command" "$rsync" -e "$work/recorder" "$@" >/dev/null 2>&1) || true
  if [ ! -f "$work/command" ]; then
    echo "record-rsync-commands: client did not connect: rsync $*" >&2
    exit 1
  fi
  node -e '
    const [direction, deletes, expect, command, ...argv] = process.argv.slice(1);
    const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'"'"'${a.replace(/'"'"'/g, `'"'"'\\'"'"''"'"'`)}'"'"'`);
    const row = { client: ["rsync", ...argv].map(quote).join(" "), argv, command, direction, deletes: deletes === "true", expect };
    process.stdout.write(JSON.stringify(row) + "\n");
  ' "$direction" "$deletes" "$expect" "$(cat "$work/command")" "$@" >>"$work/records"
}

# --- pushes (upload) a real primary might run ---
case_ upload false ok -a src/ h:zones/
case_ upload false ok -av src/ h:zones/
case_ upload false ok -avv src/ h:zones/
case_ upload false ok -az src/ h:zones/
case_ upload false ok -ac src/ h:zones/
case_ upload true ok -az --delete src/ h:zones/
case_ upload true ok -a --delete-after --force src/ h:zones/
case_ upload true ok -a --del src/ h:zones/
case_ upload true ok -a --delete-delay --max-delete=5 src/ h:zones/
case_ upload true ok -d --delete src/ h:zones/
case_ upload false ok -a --delay-updates src/ h:zones/
case_ upload false ok -a --partial-dir=.rsync-partial src/ h:zones/
case_ upload false ok -a --inplace src/ h:zones/
case_ upload false ok -ai src/ h:zones/
case_ upload false ok -aii src/ h:zones/
case_ upload false ok -a --stats src/ h:zones/
case_ upload false ok -an src/ h:zones/
case_ upload false ok -aH src/ h:zones/
case_ upload false ok -aS src/ h:zones/
case_ upload false ok -ax src/ h:zones/
case_ upload false ok -a --numeric-ids src/ h:zones/
case_ upload false ok -a --bwlimit=100 src/ h:zones/
case_ upload false ok -a --timeout=30 src/ h:zones/
case_ upload false ok -aP src/ h:zones/
case_ upload false ok -a --checksum-choice=xxh128 src/ h:zones/
case_ upload false ok -az --compress-level=9 src/ h:zones/
case_ upload false ok -a --zc=zstd -z src/ h:zones/
case_ upload false ok -a --backup --backup-dir=.backup src/ h:zones/
case_ upload false ok -a --backup --suffix=.bak src/ h:zones/
case_ upload false ok -a --mkpath src/ h:zones/new/
case_ upload false ok -a -B 2048 --modify-window=-1 src/ h:zones/
case_ upload false ok -a --chown=root:root src/ h:zones/
case_ upload false ok -a --stderr=all src/ h:zones/
case_ upload false ok -a --protocol=29 src/ h:zones/
case_ upload false ok -a --no-inc-recursive src/ h:zones/
case_ upload false ok -rtlm --omit-dir-times --safe-links src/ h:zones/
case_ upload false ok -a --no-D src/ h:zones/
case_ upload false ok -a 'src/' 'h:zones/ex ample/'
case_ upload false ok -a src/ 'h:zones/été/'
case_ upload false ok -a src/ "h:zones/it's \"quoted\"/"
case_ upload false ok -a src/ 'h:zones/$HOME;id&(x)|{y}<z>!#/'
case_ upload false ok -a src/ 'h:zones/back\slash/'
case_ upload false ok -a src/ 'h:zones/star\*literal/'
case_ upload false ok -a src/ 'h:-dash/'
case_ upload false ok -a src/ 'h:'
case_ upload true ok -a --remove-source-files src/ h:zones/

# --- pulls (download) ---
case_ download false ok -a h:zones/ dst/
case_ download false ok -az h:zones/ dst/
case_ download false ok -av h:zones/ dst/
case_ download false ok -a --delete h:zones/ dst/
case_ download false ok -an --list-only h:zones/ dst/
case_ download false ok -a h:zones/a h:zones/sub 'h:zones/ex ample' dst/
case_ download false ok -a --skip-compress=gz/jpg -z h:zones/ dst/
case_ download true ok -a --remove-source-files h:zones/ dst/

# --- hostile or unsupported: what an attacker, or a careless operator, might type ---
case_ upload false option-refused -as src/ h:zones/
case_ upload false option-refused -a --secluded-args src/ h:zones/
case_ upload false not-rsync -a --rsync-path='sh -c id' src/ h:zones/
case_ upload false not-rsync -a --rsync-path=/usr/bin/rsync src/ h:zones/
case_ upload false option-refused -a -M--log-file=/root/.ssh/authorized_keys src/ h:zones/
case_ upload false option-refused -a -M--rsh=sh src/ h:zones/
case_ upload false option-refused -a -M--daemon src/ h:zones/
case_ upload false option-refused -a -M--config=/etc/rsyncd.conf src/ h:zones/
case_ upload false option-refused -a -M--debug=FILTER src/ h:zones/
case_ upload false option-refused -a -M--confine-root=/ src/ h:zones/
case_ upload false option-refused -a -M--insecure-links src/ h:zones/
case_ upload false option-refused -a -M--filter=merge_/etc/shadow src/ h:zones/
case_ upload false option-refused -a -M--copy-as=root src/ h:zones/
case_ upload false unknown-option -a -M--delete-aft src/ h:zones/
case_ upload false unknown-option -a -M--no-such-option src/ h:zones/
case_ upload false misplaced-option -a -M--sender src/ h:zones/
case_ upload false option-refused -aK src/ h:zones/
case_ upload false option-refused -aX src/ h:zones/
case_ upload false option-refused -a --super src/ h:zones/
case_ upload false option-refused -a --write-devices src/ h:zones/
case_ upload false option-refused -a --only-write-batch=batch src/ h:zones/
case_ upload false option-refused -a --copy-unsafe-links src/ h:zones/
case_ upload false option-refused -a --iconv=utf8,latin1 src/ h:zones/
case_ upload false path-option-outside -a --link-dest=../prev src/ h:zones/
case_ upload false path-option-outside -a --temp-dir=/tmp src/ h:zones/
case_ upload false path-option-outside -ab --backup-dir=/etc src/ h:zones/
case_ upload false shell-metachar -ab --backup-dir='~/bak' src/ h:zones/
case_ upload false shell-metachar -a src/ 'h:~/zones/'
case_ upload false shell-metachar -a src/ 'h:zones/*.db'
case_ upload false control-char -a src/ 'h:zones/new
line/'
case_ upload false control-char -a src/ 'h:zones/tab	bed/'
case_ upload false too-many-paths -a --old-args src/ 'h:zones/ex ample/'
case_ upload false ok -a --old-args src/ 'h:-x'
case_ download false option-refused -aL h:zones/ dst/
case_ download false option-refused -ak h:zones/ dst/
case_ download false option-refused -a --copy-unsafe-links h:zones/ dst/
case_ download false option-refused -a --files-from=:list h:zones/ dst/
case_ download false option-refused -a --files-from=/dev/null h:zones/ dst/
case_ download false option-refused -a --copy-devices h:zones/ dst/
case_ download false option-refused -aX h:zones/ dst/
case_ download false shell-metachar -a 'h:zones/*.db' dst/
case_ download false shell-metachar -a 'h:~/zones' dst/
case_ download false option-wrong-direction -a -M--delete h:zones/ dst/

mkdir -p "$(dirname "$out")"
node -e '
  const fs = require("node:fs");
  const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  fs.writeFileSync(process.argv[2], JSON.stringify(rows, null, 2) + "\n");
  console.log(`${rows.length} client commands -> ${process.argv[2]}`);
' "$work/records" "$out"
