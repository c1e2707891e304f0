#!/usr/bin/env bash
# `vpclab apply --dry-run` against a running lab: the plan of an edited copy (an instance added,
# an SG rule removed, a route changed) names exactly those changes and changes nothing (same
# interfaces, no new namespace); a bad file gives FILE:LINE:COL and exit 1; an identical file is
# "no changes"; without --dry-run apply applies it; `status` warns once the file is edited.
TID=apply; . "$(dirname "$0")/lib.sh"

cat >"$T/lab.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
      - { name: b, cidr: 10.0.2.0/24, route_table: rt }
    route_tables:
      - name: rt
        routes:
          - { destination: 192.0.2.0/24, target: blackhole }
    security_groups:
      - name: web
        inbound:
          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }
          - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10, security_groups: [web] }
      - { name: app, subnet: b, ip: 10.0.2.10 }
EOF
lab_up "$T/lab.yaml"

ports() { "$VPCLAB" status "$LAB" --json | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
for p in s["ports"]: print(p["name"], p["ip"], p.get("public_ip"), p["security_groups"])'; }
before=$(ports)

# --- an identical file (a copy elsewhere): no changes
cp "$T/lab.yaml" "$T/same.yaml"
out=$("$VPCLAB" apply "$T/same.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run of an identical file" 0 "$rc" "$out"
check "identical file: no changes" "no changes" "$out"

# --- the edited copy
"$PY" - "$T/lab.yaml" "$T/new.yaml" <<'EOF'
import sys
s = open(sys.argv[1]).read()
s = s.replace("          - { protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }\n", "")
s = s.replace("target: blackhole", "target: web")
s = s.replace("      - { name: app, subnet: b, ip: 10.0.2.10 }\n",
              "      - { name: app, subnet: b, ip: 10.0.2.10 }\n      - { name: db, subnet: b, ip: 10.0.2.20 }\n")
open(sys.argv[2], "w").write(s)
EOF
out=$("$VPCLAB" apply "$T/new.yaml" --dry-run 2>/dev/null); rc=$?
check_rc "apply --dry-run of the edited file" 0 "$rc" "$out"
check_match "the dry run says nothing changed" "^dry run: nothing was changed \(these changes would end 0 flows, 0 NAT translations\)$" "$out"
out=$(printf '%s\n' "$out" | grep '^[-+~] ')
want="- route rt 192.0.2.0/24 -> blackhole
+ route rt 192.0.2.0/24 -> web
- sg rule web inbound tcp 22 0.0.0.0/0
+ instance db (subnet b, 10.0.2.20)"
check "the plan names exactly the three edits" "$want" "$out"
json=$("$VPCLAB" apply "$T/new.yaml" --dry-run --json 2>/dev/null)
n=$(printf '%s' "$json" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["changes"]))' 2>&1)
check "--json has the same four changes" 4 "$n"
check "nothing changed: the same interfaces" "$before" "$(ports)"
if ip netns list | awk '{print $1}' | grep -qx "$LAB-db"; then not_ok "no namespace for db"
else ok "no namespace for db"; fi


# --- a bad file: FILE:LINE:COL, exit 1 (line 6: an unknown key)
sed 's/      - { name: a, cidr: 10.0.1.0\/24 }/      - { name: a, cidr: 10.0.1.0\/24, colour: red }/' "$T/new.yaml" >"$T/bad.yaml"
out=$("$VPCLAB" apply "$T/bad.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run of a bad file" 1 "$rc" "$out"
check_match "the error is FILE:LINE:COL" "^$T/bad.yaml:6:[0-9]+: error: " "$out"

# --- a lab that does not run
sed "s/^name: .*/name: ${PFX}none/" "$T/lab.yaml" >"$T/other.yaml"
out=$("$VPCLAB" apply "$T/other.yaml" --dry-run 2>&1); rc=$?
check_rc "apply --dry-run for a lab that is not running" 1 "$rc" "$out"
check_match "it says the lab is not running" "lab ${PFX}none is not running" "$out"

# --- status: the file, and a warning once it is edited on disk
out=$("$VPCLAB" status "$LAB" 2>&1)
check_match "status names the lab file" "^lab file: $T/lab.yaml$" "$out"
check_nomatch "no warning while the file is unchanged" "^warning: " "$out"
cp "$T/new.yaml" "$T/lab.yaml"
out=$("$VPCLAB" status "$LAB" 2>&1)
check_match "status warns once the file changed" "^warning: $T/lab.yaml changed since the lab came up" "$out"
# the kept copy still runs: the plan of the edited lab.yaml is the same plan
out=$("$VPCLAB" apply "$T/lab.yaml" --dry-run 2>/dev/null | grep '^[-+~] ')
check "apply diffs against what runs, not the edited file" "$want" "$out"

# --- without --dry-run: applied; the lab runs the file, status no longer warns
out=$("$VPCLAB" apply "$T/lab.yaml" 2>&1); rc=$?
check_rc "apply of the edited file" 0 "$rc" "$out"
check_match "it says it applied" "^applied in [0-9.]+ ms of router time; 0 flows ended, 0 NAT translations$" "$out"
if ip netns list | awk '{print $1}' | grep -qx "$LAB-db"; then ok "db's namespace is made"
else not_ok "db's namespace is made"; fi
out=$("$VPCLAB" status "$LAB" 2>&1)
check_nomatch "no warning once the file is applied" "^warning: " "$out"
out=$("$VPCLAB" apply "$T/lab.yaml" 2>/dev/null); rc=$?
check_rc "applying it again" 0 "$rc" "$out"
check "applying it again changes nothing" "no changes" "$out"

out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down" 0 "$rc" "$out"
check "the state directory is gone" "no" "$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no)"
