#!/usr/bin/env bash
# submit.sh [-wait] CMDS: submits the commands file CMDS (the output of
# `reproduce expand`) as one Slurm array job, one task per line, each on
# one CPU, logs in $SLURM_LOGS (default out/slurm). With -wait it returns when every task has
# ended and fails if one did (sbatch --wait). Run it from the repository
# root, on storage every node shares; then merge with `reproduce report`:
#
#	go run ./native/reproduce expand -quick all > cmds.txt
#	native/reproduce/slurm/submit.sh -wait cmds.txt
#	go run ./native/reproduce report -quick
set -euo pipefail
wait=()
if [ "${1:-}" = -wait ]; then
	wait=(--wait)
	shift
fi
cmds=${1:?usage: submit.sh [-wait] CMDS}
n=$(grep -c . "$cmds" || true)
if [ "$n" = 0 ]; then
	echo "submit.sh: $cmds holds no runs"
	exit 0
fi
logs=${SLURM_LOGS:-out/slurm}
mkdir -p "$logs"
sbatch "${wait[@]}" --array="1-$n" --output="$logs/%A_%a.out" native/reproduce/slurm/array.sbatch "$cmds"
