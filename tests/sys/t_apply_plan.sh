#!/usr/bin/env bash
# `vpclab apply --dry-run` against a running lab: the plan of an edited copy (an instance added,
# an SG rule removed, a route changed) names exactly those changes and changes nothing (same
# interfaces, no new namespace); a bad file gives FILE:LINE:COL and exit 1; an identical file is
# "no changes"; without --dry-run apply refuses (exit 3); `status` warns once the file is edited.
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

# --- without --dry-run: refused, nothing changes
out=$("$VPCLAB" apply "$T/new.yaml" 2>&1); rc=$?
check_rc "apply without --dry-run is refused" 3 "$rc" "$out"
check_match "it says applying is not built yet" "not built yet" "$out"
check "still the same interfaces" "$before" "$(ports)"

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
out=$("$VPCLAB" apply "$T/lab.yaml" --dry-run 2>/dev/null)
check "apply diffs against what runs, not the edited file" "$want" "$out"

out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down" 0 "$rc" "$out"
check "the state directory is gone" "no" "$([ -e "/run/vpclab/$LAB" ] && echo yes || echo no)"
