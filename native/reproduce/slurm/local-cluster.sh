#!/usr/bin/env bash
# local-cluster.sh start|stop STATE_DIR: a single-node Slurm on this machine
# (Debian's slurm-wlm and munge), for the test of the array job. Everything
# lives in STATE_DIR: slurm.conf, the daemons' state, logs and pid files.
# It needs root (slurmd starts jobs as their submitter) and stops only the
# daemons it started, by their pid files.
set -euo pipefail
cmd=${1:?usage: local-cluster.sh start|stop STATE_DIR}
state=${2:?usage: local-cluster.sh start|stop STATE_DIR}
mkdir -p "$state"
state=$(cd "$state" && pwd)

# stop ends the daemons and waits (up to 10 s each) until they have
# exited: slurmctld saves its state under $state/ctld as it shuts down,
# and a caller that removes $state right after must not race that write.
stop() {
	local d pid i
	for d in slurmd slurmctld munged; do
		if [ -f "$state/$d.pid" ]; then
			pid=$(cat "$state/$d.pid")
			kill "$pid" 2>/dev/null || true
			for i in $(seq 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			rm -f "$state/$d.pid"
		fi
	done
}

start() {
	host=$(hostname -s)
	cpus=$(nproc)
	mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
	# Ports of its own, so that two clusters on one machine do not meet.
	port=$(shuf -i 20000-59998 -n 1)
	mkdir -p "$state/ctld" "$state/d" "$state/munge" "$state/log"
	# munge: its own key, socket and pid in the state folder.
	dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 700 "$state/munge"
	chmod 400 "$state/munge/munge.key"
	munged --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
		--pid-file="$state/munged.pid" --log-file="$state/log/munged.log" --seed-file="$state/munge/seed" --force
	cat > "$state/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MaxArraySize=10001
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	export SLURM_CONF="$state/slurm.conf"
	slurmctld -f "$SLURM_CONF"
	slurmd -f "$SLURM_CONF"
	for _ in $(seq 1 60); do
		if sinfo -h -o %t 2>/dev/null | grep -q idle; then
			echo "local Slurm up: SLURM_CONF=$SLURM_CONF"
			return 0
		fi
		sleep 0.5
	done
	echo "local Slurm did not come up; logs in $state/log" >&2
	return 1
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) echo "usage: local-cluster.sh start|stop STATE_DIR" >&2; exit 2 ;;
esac
