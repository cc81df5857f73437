#!/usr/bin/env bash
# cluster.down (the suite's CTest fixture clean-up): `kube-testbed down` of
# the instance up.sh brought up, then checks that nothing of it is left: no
# process that it had recorded, no process of its network namespaces, no
# namespace, no mount, no directory.
source "$(dirname "$0")/lib.sh"
[ -f "$LAS_CLUSTER_STATE" ] || fail "no $LAS_CLUSTER_STATE: cluster.up did not run"
s=$(cat "$LAS_CLUSTER_STATE")
case $s in SKIP:*) skip "${s#SKIP: }" ;; esac
KT_NAME=$s
base=${LAS_KUBE_TESTBED_DIR:-/var/lib/las-kube-testbed}
inst=$base/$KT_NAME
[ -d "$inst" ] || fail "$inst does not exist: the cluster was not up"

# Everything that runs for the instance before down: its daemons and every
# process in its network namespaces (containerd's shims, host-network
# containers), and the pods' processes (children of the shims).
pids=$(cat "$inst"/pids/* 2>/dev/null)
for ns in $(ip netns list | awk '{print $1}' | grep -E "^kt-$KT_NAME(-n[0-9]+)?$"); do
  pids+=" $(ip netns pids "$ns")"
done
for p in $pids; do pids+=" $(ps -o pid= --ppid "$p" 2>/dev/null || true)"; done
[ -n "$(echo $pids)" ] || fail "no processes found for instance $KT_NAME"

expect_rc 0 "$KT" --name "$KT_NAME" down
left=""
for p in $pids; do
  if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
    left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))"
  fi
done
[ -z "$left" ] || fail "processes of the testbed still run after down:$left"
if ip netns list | grep -E "^kt-$KT_NAME(-n[0-9]+)? " >/dev/null || ip netns list | grep -qxE "kt-$KT_NAME(-n[0-9]+)?"; then
  fail "network namespaces of $KT_NAME are left: $(ip netns list)"
fi
if grep -F " $inst" /proc/self/mountinfo >/dev/null; then fail "mounts under $inst are left"; fi
[ ! -e "$inst" ] || fail "$inst is left"
expect_rc 1 "$KT" --name "$KT_NAME" status
expect_rc 0 "$KT" --name "$KT_NAME" down
expect_output 'not up'
rm -f "$LAS_CLUSTER_STATE"
pass "down stopped $(echo $pids | wc -w) processes by PID and left no process, namespace, mount or directory"
