#!/usr/bin/env bash
# Build the shardscan image (deploy/Dockerfile) and smoke-test it as two pods
# of an Indexed Job. Not part of `npm test`: it needs root and a Docker daemon.
#
#   deploy/build-image.sh            build, print the size, smoke-test
#   SMOKE=0 deploy/build-image.sh    build and print the size only
#   BUILD=0 deploy/build-image.sh    smoke-test the image already built
#
# Where base images cannot be pulled (this project's machines), the Dockerfile's
# base (FROM node:20-bookworm-slim) is replaced by a stand-in made here once:
# Debian bookworm from `debootstrap --variant=minbase`, trimmed the way Debian's
# slim images are, plus this machine's Node 20 and npm at the official image's
# paths, its CA bundle for npm, and the image's `node` user (uid 1000). A base
# already present under that tag (a real one, or an earlier stand-in) is reused.
#
# If no daemon answers, dockerd is started (vfs storage, no iptables, no bridge)
# and stopped again at the end. Images are built with --network host (npm ci
# needs the registry); the smoke test runs with no network at all: a listener
# container with --network none, and both "pods" in its network namespace,
# scanning 127.0.0.0/28. It then merges their shard directories with
# `shardscan merge` inside the image and checks the merge is complete, covers
# every probe, and found the listener on every host. Safe to rerun; containers
# it made are removed even when it fails, and those of a run that was killed
# are removed by the next one.
#
# Environment: IMAGE (default shardscan:<package version>), DOCKER (client,
# default docker), SHARDSCAN_IMAGE_CACHE (default ~/.cache/shardscan-image:
# the debootstrap tarball, the last build's and dockerd's logs, and each run's
# scratch directory run.<pid>, removed at its end), DEBIAN_MIRROR (default
# http://deb.debian.org/debian), SMOKE (1), BUILD (1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DOCKER=${DOCKER:-docker}
# The classic builder: it needs no buildx plugin and honours --network host.
export DOCKER_BUILDKIT=0
IMAGE=${IMAGE:-shardscan:$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json")}
BASE=$(awk '$1 == "FROM" { print $2; exit }' "$ROOT/deploy/Dockerfile")
CACHE=${SHARDSCAN_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shardscan-image}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
STANDIN_NOTE='shardscan stand-in base: debootstrap minbase bookworm + host node'
RUN_ID="shardscan-smoke-$$"
START=$SECONDS

started_dockerd=''
tmp=''
say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

# The smoke test's containers carry the label shardscan-smoke=<pid of the run>.
remove_containers() { # $1: a label filter
  local ids
  ids=$("$DOCKER" ps -aq --filter "label=$1" 2>/dev/null) || return 0
  # shellcheck disable=SC2086 # one argument per container id
  [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  if [ -n "$started_dockerd" ] || "$DOCKER" info >/dev/null 2>&1; then
    remove_containers "shardscan-smoke=$$"
  fi
  [ -z "$tmp" ] || rm -rf "$tmp"
  if [ -n "$started_dockerd" ]; then
    say "stopping the dockerd this script started (pid $started_dockerd)"
    kill "$started_dockerd" 2>/dev/null || true
    wait "$started_dockerd" 2>/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (dockerd, debootstrap and chroot need it)"
command -v "$DOCKER" >/dev/null || die "no docker client: apt-get install -y docker.io"
mkdir -p "$CACHE"
for old in "$CACHE"/run.*; do # scratch left by killed runs
  if [ -d "$old" ] && ! kill -0 "${old##*.}" 2>/dev/null; then rm -rf "$old"; fi
done
tmp="$CACHE/run.$$"
mkdir -p "$tmp"

# --- the daemon ---------------------------------------------------------------
if ! "$DOCKER" info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "no Docker daemon running and no dockerd: apt-get install -y docker.io"
  say "starting dockerd (log: $CACHE/dockerd.log)"
  dockerd --storage-driver vfs --iptables=false --bridge=none >"$CACHE/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 60); do
    "$DOCKER" info >/dev/null 2>&1 && break
    kill -0 "$started_dockerd" 2>/dev/null || die "dockerd exited; see $CACHE/dockerd.log"
    sleep 0.5
  done
  "$DOCKER" info >/dev/null 2>&1 || die "dockerd did not answer within 30 s; see $CACHE/dockerd.log"
fi

# --- the base image -----------------------------------------------------------
make_minbase() {
  # Debian's slim images drop docs, man pages and locales; so does this.
  local root="$tmp/minbase"
  command -v debootstrap >/dev/null || die "no debootstrap: apt-get install -y debootstrap"
  say "debootstrap --variant=minbase bookworm (once; cached in $CACHE)"
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/usr/share/lintian "$root"/usr/share/groff
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  tar -C "$root" -cf "$CACHE/bookworm-minbase.tar.part" .
  mv "$CACHE/bookworm-minbase.tar.part" "$CACHE/bookworm-minbase.tar"
  rm -rf "$root"
}

make_standin() {
  local node npm_dir root="$tmp/standin"
  node=$(command -v node) || die "no node on this machine"
  case "$("$node" --version)" in v20.*) ;; *) die "the stand-in needs Node 20.x; $node is $("$node" --version)" ;; esac
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  [ -f "$CACHE/bookworm-minbase.tar" ] || make_minbase
  mkdir -p "$root"
  tar -C "$root" -xf "$CACHE/bookworm-minbase.tar"
  # The official image's layout: node and npm under /usr/local, user node = 1000.
  install -m 0755 "$node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # This machine reaches the registry through its own CA bundle; npm gets it
  # through its global config, so nothing else in the image depends on it.
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$root/etc/ssl/certs" "$root/usr/local/etc"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$root/usr/local/etc/npmrc"
  fi
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  say "importing the stand-in as $BASE (node $("$node" --version))"
  tar -C "$root" -c . | "$DOCKER" import --message "$STANDIN_NOTE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE" >/dev/null
  rm -rf "$root"
}

if "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then
  if [ "$("$DOCKER" image inspect -f '{{.Comment}}' "$BASE")" = "$STANDIN_NOTE" ]; then
    say "reusing the stand-in base $BASE"
  else
    say "using the base $BASE already present"
  fi
else
  make_standin # to use the real base instead: docker pull node:20-bookworm-slim first
fi
base_size=$("$DOCKER" image inspect -f '{{.Size}}' "$BASE")

# --- the image ----------------------------------------------------------------
t=$SECONDS
if [ "${BUILD:-1}" = 1 ]; then
say "docker build -f deploy/Dockerfile -t $IMAGE"
"$DOCKER" build --network host -f "$ROOT/deploy/Dockerfile" -t "$IMAGE" "$ROOT" >"$CACHE/build.log" 2>&1 \
  || { tail -30 "$CACHE/build.log" >&2; die "docker build failed; log: $CACHE/build.log"; }
fi
size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
say "built $IMAGE in $((SECONDS - t)) s: $(mb "$size") ($(mb "$base_size") base + $(mb $((size - base_size))) shardscan)"
[ "${SMOKE:-1}" = 1 ] || { say "SMOKE=0: no smoke test"; exit 0; }

# --- two pods, no network -----------------------------------------------------
t=$SECONDS
results="$tmp/results"
mkdir -p "$results"
chmod 0777 "$results" # the image runs as user node
# Containers left by a run that was killed (its pid is gone) are removed first.
for pid in $("$DOCKER" ps -a --filter label=shardscan-smoke --format '{{.Label "shardscan-smoke"}}' | sort -u); do
  kill -0 "$pid" 2>/dev/null || remove_containers "shardscan-smoke=$pid"
done
label=(--label "shardscan-smoke=$$")
# A listener on 0.0.0.0:8080 answers on every 127.x address of its namespace
# (a fixed port is fine: the namespace is ours alone). The scanner resets its
# connections, so the listener must ignore ECONNRESET rather than die of it.
"$DOCKER" run -d "${label[@]}" --name "$RUN_ID-net" --network none --entrypoint node "$IMAGE" \
  -e "require('node:net').createServer((s) => { s.on('error', () => {}); s.end(); }).listen(8080, '0.0.0.0')" >/dev/null
# The pods run as the manifest's securityContext says: read-only root, no capabilities.
locked=(--read-only --cap-drop ALL --security-opt no-new-privileges)
for i in 0 1; do
  "$DOCKER" run -d "${label[@]}" --name "$RUN_ID-pod$i" --network "container:$RUN_ID-net" "${locked[@]}" \
    -e JOB_COMPLETION_INDEX=$i -e SHARDS=2 -e SEED=20261124 -e SCAN=smoke -v "$results:/results" \
    "$IMAGE" 127.0.0.0/28 -p 1-200,8080 --states all -f ndjson -o /dev/null >/dev/null
done
for i in 0 1; do
  rc=$("$DOCKER" wait "$RUN_ID-pod$i")
  [ "$rc" = 0 ] || { "$DOCKER" logs "$RUN_ID-pod$i" >&2; die "pod $i exited with $rc"; }
done
"$DOCKER" run --rm "${label[@]}" --network none -v "$results:/results" --entrypoint sh "$IMAGE" \
  -c 'shardscan merge /results/smoke-shard-*-of-2 -f json' >"$tmp/merged.json"
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const { summary: s, records } = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const open = records.filter((r) => r.state === "open").map((r) => `${r.host}:${r.port}`);
  const line = `merge: ${s.status}, ${s.done}/${s.probes} probes, open ${s.counts.open}, closed ${s.counts.closed}, filtered ${s.counts.filtered}, error ${s.counts.error}`;
  console.error(`build-image: ${line}`);
  const ok = s.status === "complete" && s.probes === 16 * 201 && s.done === s.probes && records.length === s.probes
    && open.length === 16 && open.every((x) => x.endsWith(":8080"));
  if (!ok) { console.error("build-image: error: the merged scan is not the whole /28 with 8080 open on every host"); process.exit(1); }
' "$tmp/merged.json"
say "smoke test passed in $((SECONDS - t)) s; total $((SECONDS - START)) s"
