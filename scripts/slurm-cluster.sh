#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing the Slurm executor (no munge, no accounting).
#   scripts/slurm-cluster.sh start DIR   writes DIR/slurm.conf, starts slurmctld and slurmd, waits for the node
#   scripts/slurm-cluster.sh stop DIR    stops both daemons by pid
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf.
set -euo pipefail
cmd=${1:?usage: slurm-cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-cluster.sh start|stop DIR}")

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$dir/$d.pid" ]; then
      pid=$(cat "$dir/$d.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$d.pid"
    fi
  done
}

case "$cmd" in
start)
  for b in slurmctld slurmd sbatch squeue; do command -v "$b" >/dev/null || { echo "error: $b not found; install Debian's slurmctld slurmd slurm-client" >&2; exit 2; }; done
  mkdir -p "$dir/state" "$dir/spool"
  host=$(hostname -s)
  # Ports of our own, so that a test cluster never meets another one on this machine.
  port=$(( 20000 + RANDOM % 20000 ))
  cat > "$dir/slurm.conf" <<CONF
ClusterName=lottery-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -c -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
  echo $! > "$dir/slurmctld.pid"
  slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
  echo $! > "$dir/slurmd.pid"
  for _ in $(seq 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "slurm cluster up: SLURM_CONF=$SLURM_CONF"; exit 0; fi
    sleep 0.5
  done
  echo "error: the Slurm node did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  stop
  exit 1
  ;;
stop) stop ;;
*) echo "usage: slurm-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
