#!/usr/bin/env bash
# Each namespace's /etc/netns/LAB-NAME/resolv.conf: the VPC's resolver (base+2) with AWS's search
# domain for instances and load balancer nodes, 192.0.2.53 for internet hosts; `vpclab exec` and
# `run:` commands see it as /etc/resolv.conf (and their own /sys), as `ip netns exec` does; it goes
# with the namespace at apply, at down, and at a down after the router crashed.
TID=rconf; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: a, run: "cat /etc/resolv.conf; ls /sys/class/net; exec sleep 600" }
      - { name: db, subnet: a }
  - name: other
    cidr: 172.16.0.0/20
    subnets:
      - { name: b, cidr: 172.16.1.0/24 }
    instances:
      - { name: app, subnet: b }
internet:
  hosts:
    - { name: ext, ip: 198.51.100.10 }
EOF
HOST_RESOLV=$(cat /etc/resolv.conf)
lab_up "$T/lab.yaml"

rc_of() { grep -v '^#' "/etc/netns/$LAB-$1/resolv.conf" 2>/dev/null | tr '\n' '|'; }
check "web's resolv.conf: base+2 of main, ec2.internal" "nameserver 10.0.0.2|search ec2.internal|" "$(rc_of web)"
check "app's: base+2 of its own VPC" "nameserver 172.16.0.2|search ec2.internal|" "$(rc_of app)"
check "ext's: the public resolver" "nameserver 192.0.2.53|" "$(rc_of ext)"
OUT=$("$VPCLAB" exec "$LAB" web -- cat /etc/resolv.conf); RC=$?
check_rc "exec web -- cat /etc/resolv.conf" 0 $RC
check_match "exec shows the lab's nameserver" "^nameserver 10.0.0.2$" "$OUT"
check_match "exec on an internet host shows 192.0.2.53" "^nameserver 192.0.2.53$" \
	"$("$VPCLAB" exec "$LAB" ext -- cat /etc/resolv.conf)"
check "exec sees its namespace's /sys (eth0 and lo only)" "eth0 lo" \
	"$("$VPCLAB" exec "$LAB" web -- ls /sys/class/net | sort | tr '\n' ' ' | sed 's/ $//')"
check "the host's /etc/resolv.conf is untouched" "$HOST_RESOLV" "$(cat /etc/resolv.conf)"
check "no mount of ours is left on the host" "" "$(grep " /etc/resolv.conf " /proc/self/mountinfo)"
wait_for "web's run command to print" 5 lines_ge "/run/vpclab/$LAB/run/web.log" 1 "^eth0$"
check_match "a run: command sees its resolv.conf" "^nameserver 10.0.0.2$" "$(cat "/run/vpclab/$LAB/run/web.log")"
check "and its namespace's /sys" "eth0 lo" "$(grep -x -e eth0 -e lo "/run/vpclab/$LAB/run/web.log" | sort | tr '\n' ' ' | sed 's/ $//')"

# --- apply removes a removed instance's directory
sed '/name: db,/d' "$T/lab.yaml" >"$T/lab2.yaml"
"$VPCLAB" apply "$T/lab2.yaml" >/dev/null; RC=$?
check_rc "apply removing db" 0 $RC
check "db's /etc/netns directory went with it" "no" "$([ -e "/etc/netns/$LAB-db" ] && echo yes || echo no)"
check "web's stays" "yes" "$([ -e "/etc/netns/$LAB-web/resolv.conf" ] && echo yes || echo no)"

# --- down removes them all
lab_down >/dev/null; RC=$?
check_rc "down" 0 $RC
check "no /etc/netns/$LAB-* left after down" "" "$(ls -d /etc/netns/"$LAB"-* 2>/dev/null)"

# --- another region; then the router killed: down still removes them
LAB2="${PFX}rc2"
sed -e "s/^name: .*/name: $LAB2/" -e '1a region: eu-west-3' "$T/lab.yaml" >"$T/lab3.yaml"
lab_up "$T/lab3.yaml"
check "eu-west-3: REGION.compute.internal" "nameserver 10.0.0.2|search eu-west-3.compute.internal|" \
	"$(grep -v '^#' "/etc/netns/$LAB2-web/resolv.conf" | tr '\n' '|')"
RPID=$(cat "/run/vpclab/$LAB2/pid")
kill -9 "$RPID"
wait_for "the router to be gone" 5 pid_gone "$RPID"
timeout 20 "$VPCLAB" down "$LAB2" >/dev/null 2>&1; RC=$?
check_rc "down after the router was killed" 0 $RC
check "no /etc/netns/$LAB2-* left" "" "$(ls -d /etc/netns/"$LAB2"-* 2>/dev/null)"
