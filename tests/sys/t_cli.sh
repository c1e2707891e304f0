#!/usr/bin/env bash
# The command line on files: `check` needs no root and reports every error as FILE:LINE:COL with
# exit 1; `up` of a bad file provisions nothing (no namespace, no state); usage errors exit 2.
TID=cli; . "$(dirname "$0")/lib.sh"

chmod 755 "$T"
cat >"$T/good.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10 }
EOF
# Three independent errors on known lines: 9 (subnet outside the VPC), 12 (unknown key),
# 14 (instance IP is the subnet's reserved +1 router address). Line numbers matter: keep them.
cat >"$T/bad.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - name: a
        cidr: 10.0.1.0/24
      - name: far
        cidr: 10.9.0.0/24
    instances:
      - name: web
        subnt: a
      - name: db
        ip: 10.0.1.1
        subnet: a
      - name: ok
        subnet: a
EOF
# Only one error (line 11: a reserved address) and otherwise valid instances: `up` must still
# provision nothing at all.
cat >"$T/bad-up.yaml" <<EOF
name: $LAB
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    subnets:
      - { name: a, cidr: 10.0.1.0/24 }
    instances:
      - { name: web, subnet: a, ip: 10.0.1.10 }
      - { name: db, subnet: a, ip: 10.0.1.11 }
      - name: dns
        ip: 10.0.1.2
        subnet: a
EOF
printf 'name: %s\nvpcs:\n  - name: main\n    cidr: [10.0.0.0/16\n' "$LAB" >"$T/broken.yaml"   # not YAML
chmod 644 "$T"/*.yaml

lab_ns() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB-" | sort | tr '\n' ' '; }

# --- check, as an unprivileged user: no root needed
asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
out=$(cd "$T" && asuser timeout 10 "$VPCLAB" check good.yaml 2>&1); rc=$?
check_rc "vpclab check good.yaml as nobody" 0 "$rc" "$out"
check_nomatch "check of a good file prints no error" "error" "$out"

out=$(cd "$T" && asuser timeout 10 "$VPCLAB" check bad.yaml 2>&1); rc=$?
check_rc "vpclab check bad.yaml exits 1" 1 "$rc" "$out"
check_match "error for the subnet outside the VPC at bad.yaml:9:COL (its cidr; 8, the item, accepted)" "^bad\.yaml:(8|9):[0-9]+: error: .*10\.9\.0\.0" "$out"
check_match "error for the unknown key at bad.yaml:12:COL" "^bad\.yaml:12:[0-9]+: error: .*subnt" "$out"
check_match "error for the reserved IP at bad.yaml:14:COL" "^bad\.yaml:14:[0-9]+: error: .*10\.0\.1\.1" "$out"
check_nomatch "no error blamed on the valid lines 1-7" "^bad\.yaml:[1-7]:[0-9]+: error" "$out"
n=$(printf '%s\n' "$out" | grep -c ': error: ')
check "every error line has the FILE:LINE:COL: error: form" "$n" \
	"$(printf '%s\n' "$out" | grep -Ec '^bad\.yaml:[0-9]+:[0-9]+: error: ')"

out=$(cd "$T" && asuser timeout 10 "$VPCLAB" check broken.yaml 2>&1); rc=$?
check_rc "vpclab check of a YAML syntax error exits 1" 1 "$rc" "$out"
check_match "YAML syntax error reported as broken.yaml:LINE:COL: error:" "^broken\.yaml:[0-9]+:[0-9]+: error: " "$out"

out=$(timeout 10 "$VPCLAB" check "$T/bad.yaml" 2>&1)
check_match "the FILE part is the path as given" "^$T/bad\.yaml:(8|9):[0-9]+: error: " "$out"

# --- usage errors
timeout 10 "$VPCLAB" >/dev/null 2>&1
check_rc "vpclab without a command: usage error" 2 "$?"
timeout 10 "$VPCLAB" no-such-command >/dev/null 2>&1
check_rc "vpclab no-such-command: usage error" 2 "$?"
timeout 10 "$VPCLAB" check >/dev/null 2>&1
check_rc "vpclab check without a file: usage error" 2 "$?"

# --- up of a bad file provisions nothing
LABS+=("$LAB")   # in case it wrongly comes up: the cleanup takes it down
out=$(cd "$T" && timeout 30 "$VPCLAB" up bad-up.yaml 2>&1); rc=$?
check_rc "vpclab up of a bad file exits 1" 1 "$rc" "$out"
check_match "up of a bad file prints the error with FILE:LINE:COL" "^bad-up\.yaml:11:[0-9]+: error: " "$out"
check "up of a bad file creates no namespace" "" "$(lab_ns)"
if [ -e "/run/vpclab/$LAB" ]; then not_ok "up of a bad file leaves no /run/vpclab/$LAB (expected absent, got present)"; else ok "up of a bad file leaves no /run/vpclab/$LAB"; fi
out=$(timeout 30 "$VPCLAB" up "$T/broken.yaml" 2>&1); rc=$?
check_rc "vpclab up of a file that is not YAML exits 1" 1 "$rc" "$out"
check "up of a non-YAML file creates no namespace" "" "$(lab_ns)"

# --- without root, up refuses with exit 3 (the system said no) and provisions nothing
out=$(cd "$T" && asuser timeout 30 "$VPCLAB" up good.yaml 2>&1); rc=$?
check_rc "vpclab up as nobody: the system refuses" 3 "$rc" "$out"
check "up as nobody creates no namespace" "" "$(lab_ns)"

# --- and the good file still comes up and down after those refusals
lab_up "$T/good.yaml"
check "good file: one namespace (and the resolver's)" "$LAB-amazon-dns $LAB-web " "$(lab_ns)"
timeout 10 "$VPCLAB" exec "$LAB" nosuch -- true >/dev/null 2>&1; rc=$?
if [ "$rc" -ne 0 ]; then ok "vpclab exec of an unknown instance fails (exit $rc)"; else not_ok "vpclab exec of an unknown instance fails (expected nonzero exit, got 0)"; fi
out=$(lab_down "$LAB" 2>&1); rc=$?
check_rc "vpclab down" 0 "$rc" "$out"
check "no namespace left" "" "$(lab_ns)"
