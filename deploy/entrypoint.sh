#!/bin/sh
# Runs one machine shard of a scan. Kubernetes Indexed Jobs give each pod
# JOB_COMPLETION_INDEX (0-based); shardscan's --shard is 1-based (masscan's
# convention), so shard = index + 1. A pod that restarts finds its shard
# directory and resumes it instead of starting over.
#
#   SHARDS   number of shards (= the Job's completions)       required
#   SEED     seed shared by every shard                       required
#   SHARD    1-based shard, when JOB_COMPLETION_INDEX is unset
#   OUT_ROOT where shard directories go (default ./results)
#   SCAN     name of the scan, used in directory names (default scan)
#   SHARDSCAN the command to run (default: shardscan)
#   METRICS  --metrics HOST:PORT for this pod, on the scan and on its resume
# Arguments are passed to shardscan: targets, ports and options. They, SEED
# and SHARDS are kept (as a checksum) beside the shard directory: a restart
# with other ones is refused, where it resumed the old scan and reported
# success with the old results. The contents of files they name (--config,
# -iL) are not in it: the resume keeps the first run's settings and checks
# its target list itself.
set -eu
: "${SHARDS:?set SHARDS to the number of shards}"
: "${SEED:?set SEED: every shard must walk the same permutation}"
if [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  SHARD=$((JOB_COMPLETION_INDEX + 1))
else
  : "${SHARD:?set SHARD (1-based) or JOB_COMPLETION_INDEX (0-based)}"
fi
OUT="${OUT_ROOT:-results}/${SCAN:-scan}-shard-${SHARD}-of-${SHARDS}"
# Each value with its length: "a<newline>b" and "a" "b" differ.
WANT=$(for a in "$SHARDS" "$SEED" "$@"; do printf '%s:%s\n' "${#a}" "$a"; done | cksum)
if [ -f "$OUT/manifest.json" ]; then
  if [ -f "$OUT.args" ] && [ "$(cat "$OUT.args")" != "$WANT" ]; then
    echo "entrypoint: $OUT holds another scan (its arguments, SEED or SHARDS differ from these); give this one another SCAN name, or remove $OUT and $OUT.args" >&2
    exit 2
  fi
  # shellcheck disable=SC2086 # SHARDSCAN may be a command with arguments
  exec ${SHARDSCAN:-shardscan} resume "$OUT" -q ${METRICS:+--metrics "$METRICS"}
fi
mkdir -p "$(dirname "$OUT")"
printf '%s\n' "$WANT" > "$OUT.args"
# shellcheck disable=SC2086
exec ${SHARDSCAN:-shardscan} "$@" --shard "$SHARD/$SHARDS" --seed "$SEED" --out-dir "$OUT" -q ${METRICS:+--metrics "$METRICS"}
