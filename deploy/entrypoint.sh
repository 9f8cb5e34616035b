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
# Arguments are passed to shardscan: targets, ports and options.
set -eu
: "${SHARDS:?set SHARDS to the number of shards}"
: "${SEED:?set SEED: every shard must walk the same permutation}"
if [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  SHARD=$((JOB_COMPLETION_INDEX + 1))
else
  : "${SHARD:?set SHARD (1-based) or JOB_COMPLETION_INDEX (0-based)}"
fi
OUT="${OUT_ROOT:-results}/${SCAN:-scan}-shard-${SHARD}-of-${SHARDS}"
if [ -f "$OUT/manifest.json" ]; then
  # shellcheck disable=SC2086 # SHARDSCAN may be a command with arguments
  exec ${SHARDSCAN:-shardscan} resume "$OUT" -q
fi
# shellcheck disable=SC2086
exec ${SHARDSCAN:-shardscan} "$@" --shard "$SHARD/$SHARDS" --seed "$SEED" --out-dir "$OUT" -q
