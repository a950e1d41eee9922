#!/usr/bin/env bash
# test.sh: runs the quick grid's training experiments twice, as a Slurm array
# job on a single-node Slurm started here (local-cluster.sh) and locally with
# `reproduce run -quick`, and checks that the two reports agree. The lines
# that report wall times, `run` sessions and provenance are left out of the
# comparison: they measure the machine, not the results (and headless, which
# Slurm's tasks run, records no session and no commit: its runs read
# "unrecorded" in the provenance line, where `reproduce run` records the
# commit). The timing experiments (compute, communication)
# are left out for the same reason, and fsdd needs its data.
#
# It needs root and Debian's slurm-wlm and munge; without them it skips
# (exit 0) unless CI is set. ./build.sh test runs it after go test.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || [ "$(id -u)" != 0 ]; then
	if [ -n "${CI:-}" ]; then
		echo "slurm test: needs root, slurm-wlm and munge" >&2
		exit 1
	fi
	echo "slurm test: SKIP (needs root, slurm-wlm and munge: apt-get install slurm-wlm munge)"
	exit 0
fi
exps="dictionaries columns budgets convnet recipe"
tmp=$(mktemp -d /tmp/predparams-slurm.XXXXXX)
trap 'native/reproduce/slurm/local-cluster.sh stop "$tmp/state"; rm -rf "$tmp"' EXIT
start=$(date +%s)
native/reproduce/slurm/local-cluster.sh start "$tmp/state"
export SLURM_CONF="$tmp/state/slurm.conf"

: > "$tmp/cmds.txt"
for x in $exps; do
	go run ./native/reproduce expand -quick -results "$tmp/slurm/results" "$x" >> "$tmp/cmds.txt"
done
tasks=$(grep -c . "$tmp/cmds.txt")
SLURM_LOGS="$tmp/logs" native/reproduce/slurm/submit.sh -wait "$tmp/cmds.txt"
slurm_done=$(date +%s)
go run ./native/reproduce report -quick -results "$tmp/slurm/results" -out "$tmp/slurm"

for x in $exps; do
	go run ./native/reproduce run -quick -jobs 2 -results "$tmp/local/results" "$x" 2>/dev/null
done
go run ./native/reproduce report -quick -results "$tmp/local/results" -out "$tmp/local"

# mask drops the lines that measure the machine, the sessions or where the
# runs' code came from.
mask() {
	grep -v -e '^Hardware: ' -e '^Sessions of `run`' -e '^Provenance\. ' -e '^| [0-9]*\. [a-z-]* | [0-9]* | ' -e '^| all | [0-9]* | ' -e '^| tuning runs on the validation split' "$1" |
		cat -s | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
if ! diff <(mask "$tmp/local/RESULTS.md") <(mask "$tmp/slurm/RESULTS.md") > "$tmp/report.diff"; then
	cat "$tmp/report.diff"
	echo "slurm test: FAIL: the reports differ ($tasks array tasks)"
	exit 1
fi
end=$(date +%s)
echo "slurm test: PASS: $tasks array tasks in $((slurm_done - start)) s on Slurm, $((end - start)) s in all; report diff empty ($(mask "$tmp/local/RESULTS.md" | wc -l) lines compared)"
