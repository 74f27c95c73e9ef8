#!/usr/bin/env bash
# Starts a throwaway one-node Slurm cluster for tests (installing Debian's slurm-wlm and munge
# when missing) and prints shell exports for it (SLURM_CONF, SLURM_DIR). Runs as root without
# systemd or cgroups: process tracking by /proc, no task plugin, no accounting; the node is
# 127.0.0.1 with every core of this machine. Short credential expiry and scheduler intervals make
# a requeued task restart in seconds. State, spool, logs and the munge key live in $SLURM_DIR.
#   eval "$(scripts/slurm.sh start)"      scripts/slurm.sh stop
set -euo pipefail
action=${1:-start}
dir=${SLURM_DIR:-/tmp/datagen-slurm}

stop() {
  if [ -f "$dir/pids" ]; then
    # slurmd before slurmctld, munged last; each by the pid file it wrote.
    for f in slurmd slurmctld munged; do
      [ -f "$dir/$f.pid" ] && kill "$(cat "$dir/$f.pid")" 2>/dev/null || true
    done
    sleep 1
    rm -f "$dir/pids"
  fi
}
if [ "$action" = stop ]; then
  stop
  exit 0
fi
if [ "$action" != start ]; then
  echo "usage: scripts/slurm.sh start|stop" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "scripts/slurm.sh runs the cluster as root (SlurmUser=root); run it as root" >&2
  exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing Debian's slurm-wlm and munge..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >&2
fi
stop
rm -rf "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
chmod 700 "$dir/munge"

# munge: a fresh key and its own socket, so a system munged (if any) is left alone.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
munged --force --key-file="$dir/munge/munge.key" --socket="$socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"

cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
cat > "$dir/slurm.conf" <<EOF
ClusterName=datagen
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=2,sched_interval=2
MinJobAge=600
ReturnToService=2
SlurmctldPort=$((${SLURM_PORT:-56817}))
SlurmdPort=$((${SLURM_PORT:-56817} + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=batch Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -c
slurmd -c
touch "$dir/pids"

# Ready when the node takes work.
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "export SLURM_CONF=$SLURM_CONF SLURM_DIR=$dir"
    exit 0
  fi
  sleep 0.5
done
echo "the Slurm node did not come up; logs in $dir/log" >&2
sinfo >&2 || true
tail -n 20 "$dir/log/"*.log >&2 || true
exit 1
