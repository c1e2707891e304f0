#!/usr/bin/env python3
"""Random valid edits of a small lab, and the comparison of traces, for t_apply_fuzz.sh.

  apply_fuzz.py gen SEED STEPS OUTDIR LAB TOKEN
      writes OUTDIR/stepNN.yaml (00 = the lab to bring up, then one edit each; addresses that
      check assigns, or apply keeps, left out), OUTDIR/stepNN.full.yaml (every address written:
      the same lab for a fresh `up`) and OUTDIR/stepNN.json (the names to trace: instances, hosts, elastic IPs; the run tokens);
      prints one line per step saying what it changed. Same SEED, same files.
  apply_fuzz.py compare VPCLAB APPLIED FRESH FINAL.yaml FINAL.json
      the applied lab, a fresh `up` of the final file and the file offline must answer the same
      `trace` (verdicts, reasons, hops, both ways) for every ordered pair of nodes and a few
      protocols, and the same interfaces in `status`; prints one line per difference.
  apply_fuzz.py ping VPCLAB LAB FINAL.json
      real ICMP echo between every ordered pair of nodes in LAB, against its live trace.
  apply_fuzz.py netns VPCLAB LAB
      LAB's namespaces are exactly its interfaces (status), each eth0 with the interface's
      address, prefix and MAC.

The lab: at most 2 VPCs, ~6 instances, internet hosts, NAT gateways, elastic IPs. Every edit keeps
the file valid (`vpclab check`): references follow what they name (a removed instance's routes and
elastic IP go with it). An address is left out only where check (for a new interface: the lowest
free) or apply (a running one keeps its own) gives the one the generator chose.
"""
import concurrent.futures
import copy
import ipaddress
import json
import os
import random
import re
import subprocess
import sys

MAX_INSTANCES = 7
MAX_HOSTS = 3

# ---------------------------------------------------------------- the model


def new_lab(rnd, name, token):
    v1 = {
        "name": "v1", "cidr": "10.0.0.0/16", "igw": True,
        "subnets": [
            {"name": "pub", "cidr": "10.0.1.0/24", "rt": "pub", "acl": None, "map": False},
            {"name": "priv", "cidr": "10.0.2.0/24", "rt": None, "acl": "edge", "map": False},
            {"name": "app", "cidr": "10.0.3.0/24", "rt": "alt", "acl": None, "map": False},
        ],
        "rts": [
            {"name": "pub", "main": False, "routes": [["0.0.0.0/0", "igw"]]},
            {"name": "priv", "main": True, "routes": [["0.0.0.0/0", "nat1"]]},
            {"name": "alt", "main": False, "routes": []},
        ],
        "acls": [
            {"name": "edge",
             "in": [acl_rule(100, "allow", "all", None, "0.0.0.0/0"),
                    acl_rule(50, "deny", "tcp", "5432", "198.51.100.0/24")],
             "out": [acl_rule(100, "allow", "all", None, "0.0.0.0/0")]},
            {"name": "tight",
             "in": [acl_rule(100, "allow", "tcp", "22", "10.0.0.0/16"),
                    acl_rule(110, "allow", "tcp", "1024-65535", "0.0.0.0/0")],
             "out": [acl_rule(100, "allow", "tcp", "1024-65535", "0.0.0.0/0"),
                     acl_rule(110, "allow", "icmp", None, "10.0.0.0/16")]},
        ],
        "sgs": [
            {"name": "web", "in": [sg_rule("tcp", "80", cidr="0.0.0.0/0"),
                                   sg_rule("tcp", "22", cidr="10.0.0.0/16"),
                                   sg_rule("icmp", None, cidr="0.0.0.0/0")], "out": None},
            {"name": "db", "in": [sg_rule("tcp", "5432", group="web")],
             "out": [sg_rule("tcp", "1024-65535", cidr="10.0.0.0/16")]},
            {"name": "ssh", "in": [sg_rule("tcp", "22", cidr="198.51.100.0/24"),
                                   sg_rule("all", None, cidr="0.0.0.0/0")],
             "out": None},
        ],
        "natgws": [{"name": "nat1", "subnet": "pub", "ip": "10.0.1.200", "eip": "e-nat1"}],
        "instances": [],
    }
    lab = {"name": name, "token": token, "counter": 0, "vpcs": [v1],
           "eips": [{"name": "e-nat1", "ip": "203.0.113.200", "instance": None}],
           "hosts": [{"name": "h1", "ip": "198.51.100.10"}, {"name": "h2", "ip": "192.0.2.20"}],
           "hcounter": 2, "ecounter": 0, "ncounter": 1}
    for sub in ("pub", "pub", "priv", "app"):
        add_instance(rnd, lab, v1, sub)
    if rnd.random() < 0.5:
        add_vpc2(rnd, lab)
    eip_add(rnd, lab, associate=True)
    return lab


def acl_rule(num, action, proto, ports, cidr):
    return {"rule": num, "action": action, "protocol": proto, "ports": ports, "cidr": cidr}


def sg_rule(proto, ports, cidr=None, group=None):
    return {"protocol": proto, "ports": ports, "cidr": cidr, "group": group}


def vpc_of(lab, name):
    for v in lab["vpcs"]:
        if v["name"] == name:
            return v
    return None


def all_instances(lab):
    return [(v, x) for v in lab["vpcs"] for x in v["instances"]]


def subnet(v, name):
    return [s for s in v["subnets"] if s["name"] == name][0]


def used_ips(v):
    return {x["ip"] for x in v["instances"]} | {g["ip"] for g in v["natgws"]}


def free_ip(rnd, v, sub, obj):
    """A free address of subnet sub for obj (an instance or NAT gateway): mostly the lowest,
    which `check` gives when the file leaves it out (obj["auto"]: the file does), sometimes one
    further in, written out."""
    net = ipaddress.ip_network(subnet(v, sub)["cidr"])
    used = used_ips(v)
    hosts = [str(a) for a in list(net.hosts())[3:-1] if str(a) not in used]
    obj["auto"] = rnd.random() < 0.6
    obj["ip"] = hosts[0] if obj["auto"] else rnd.choice(hosts[1:40])
    return obj["ip"]


def add_instance(rnd, lab, v, sub=None):
    lab["counter"] += 1
    name = "i%d" % lab["counter"]
    sub = sub or rnd.choice(v["subnets"])["name"]
    sgs = ["default"] + [g["name"] for g in v["sgs"]]
    x = {"name": name, "subnet": sub, "ip": "0.0.0.0",
         "sgs": rnd.sample(sgs, min(len(sgs), rnd.choice((1, 1, 2)))), "sdc": True,
         "public": rnd.choice((None, None, True, False)),
         "run": rnd.random() < 0.5}
    free_ip(rnd, v, sub, x)
    v["instances"].append(x)
    return x


def add_vpc2(rnd, lab):
    v2 = {
        "name": "v2", "cidr": "172.16.0.0/16", "igw": rnd.random() < 0.7,
        "subnets": [{"name": "s2a", "cidr": "172.16.1.0/24", "rt": None, "acl": None,
                     "map": rnd.random() < 0.5}],
        "rts": [], "acls": [],
        "sgs": [{"name": "app2", "in": [sg_rule("tcp", "80", cidr="0.0.0.0/0"),
                                        sg_rule("icmp", None, cidr="10.0.0.0/8")], "out": None}],
        "natgws": [], "instances": [],
    }
    if v2["igw"]:
        v2["rts"].append({"name": "m2", "main": True, "routes": [["0.0.0.0/0", "igw"]]})
    lab["vpcs"].append(v2)
    for _ in range(rnd.choice((1, 2))):
        if len(all_instances(lab)) < MAX_INSTANCES:
            add_instance(rnd, lab, v2, "s2a")
    return "add vpc v2 (igw %s) with %d instances" % (v2["igw"], len(v2["instances"]))


def eip_ips(lab):
    return {e["ip"] for e in lab["eips"]}


def eip_add(rnd, lab, associate=False):
    lab["ecounter"] += 1
    name = "e%d" % lab["ecounter"]
    taken = eip_ips(lab)
    ip = rnd.choice([("203.0.113.%d" % n) for n in range(100, 190) if ("203.0.113.%d" % n) not in taken])
    e = {"name": name, "ip": ip, "instance": None}
    if associate:
        free = instances_without_eip(lab)
        if free:
            e["instance"] = rnd.choice(free)["name"]
    lab["eips"].append(e)
    return "add elastic_ip %s %s%s" % (name, ip, " on " + e["instance"] if e["instance"] else "")


def instances_without_eip(lab):
    held = {e["instance"] for e in lab["eips"]}
    return [x for _, x in all_instances(lab) if x["name"] not in held]


def natgw_eips(lab):
    return {g["eip"] for v in lab["vpcs"] for g in v["natgws"]}


def route_targets(v):
    return {t for rt in v["rts"] for _, t in rt["routes"]}

# ---------------------------------------------------------------- edits
# Each returns a description, or None when it does not apply to this lab (another is drawn).


def e_sg_rule_add(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if not v["sgs"]:
        return None
    g = rnd.choice(v["sgs"])
    d = "out" if g["out"] is not None and rnd.random() < 0.3 else "in"
    proto = rnd.choice(("tcp", "tcp", "udp", "icmp", "all"))
    ports = rnd.choice(("22", "80", "5432", "53", "1024-65535", None)) if proto in ("tcp", "udp") else None
    if rnd.random() < 0.25:
        ref = rnd.choice(["default"] + [x["name"] for x in v["sgs"]])
        r = sg_rule(proto, ports, group=ref)
    else:
        ips = [x["ip"] + "/32" for x in v["instances"]]
        r = sg_rule(proto, ports, cidr=rnd.choice(["0.0.0.0/0", v["cidr"], "198.51.100.0/24",
                                                    "198.51.100.10/32", "10.0.1.0/24"] + ips))
    if r in g[d]:
        return None
    g[d].append(r)
    return "add sg rule %s %s %s" % (g["name"], d, r)


def e_sg_rule_remove(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if not v["sgs"]:
        return None
    g = rnd.choice(v["sgs"])
    d = rnd.choice(("in", "out"))
    if not g[d]:
        return None
    r = g[d].pop(rnd.randrange(len(g[d])))
    return "remove sg rule %s %s %s" % (g["name"], d, r)


def e_sg_rule_narrow(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    cands = [(g, d, i) for g in v["sgs"] for d in ("in", "out") for i, r in enumerate(g[d] or [])
             if r["cidr"] == "0.0.0.0/0" or r["protocol"] == "all" or (r["ports"] or "").count("-")]
    if not cands:
        return None
    g, d, i = rnd.choice(cands)
    r = dict(g[d][i])
    if r["cidr"] == "0.0.0.0/0":
        r["cidr"] = rnd.choice((v["cidr"], "198.51.100.0/24"))
    elif r["protocol"] == "all":
        r["protocol"], r["ports"] = "tcp", "22"
    else:
        r["ports"] = "2000-3000"
    if r in g[d]:
        return None
    old = g[d][i]
    g[d][i] = r
    return "narrow sg rule %s %s %s -> %s" % (g["name"], d, old, r)


def e_sg_outbound(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if not v["sgs"]:
        return None
    g = rnd.choice(v["sgs"])
    if g["out"] is None:
        g["out"] = [sg_rule("tcp", "80", cidr="0.0.0.0/0")] if rnd.random() < 0.7 else []
        return "sg %s outbound: all -> %s" % (g["name"], g["out"])
    g["out"] = None
    return "sg %s outbound -> all (key left out)" % g["name"]


def e_sg_members(rnd, lab):
    v, x = rnd.choice(all_instances(lab))
    sgs = ["default"] + [g["name"] for g in v["sgs"]]
    new = rnd.sample(sgs, rnd.choice((1, 2, 2, 3)) if len(sgs) >= 3 else 1)
    if sorted(new) == sorted(x["sgs"]):
        return None
    old, x["sgs"] = x["sgs"], new
    return "instance %s security_groups %s -> %s" % (x["name"], old, new)


def e_acl_rule_add(rnd, lab):
    v = vpc_of(lab, "v1")
    if not v["acls"]:
        return None
    a = rnd.choice(v["acls"])
    d = rnd.choice(("in", "out"))
    if len(a[d]) >= 8:
        return None
    nums = {r["rule"] for r in a[d]}
    num = rnd.choice([n for n in range(10, 300, 10) if n not in nums])
    proto = rnd.choice(("tcp", "tcp", "udp", "icmp", "all"))
    ports = rnd.choice(("22", "80", "53", "5432", "1024-65535", None)) if proto in ("tcp", "udp") else None
    cidr = rnd.choice(("0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "198.51.100.0/24",
                       "192.0.2.0/24"))
    r = acl_rule(num, rnd.choice(("allow", "deny")), proto, ports, cidr)
    a[d].append(r)
    return "add acl rule %s %s %s" % (a["name"], d, r)


def e_acl_rule_remove(rnd, lab):
    v = vpc_of(lab, "v1")
    if not v["acls"]:
        return None
    a = rnd.choice(v["acls"])
    d = rnd.choice(("in", "out"))
    if not a[d]:
        return None
    r = a[d].pop(rnd.randrange(len(a[d])))
    return "remove acl rule %s %s %s" % (a["name"], d, r)


def e_subnet_acl(rnd, lab):
    v = vpc_of(lab, "v1")
    s = rnd.choice(v["subnets"])
    new = rnd.choice([None] + [a["name"] for a in v["acls"]])
    if new == s["acl"]:
        return None
    old, s["acl"] = s["acl"], new
    return "subnet %s network_acl %s -> %s" % (s["name"], old or "default", new or "default")


def e_subnet_rt(rnd, lab):
    v = vpc_of(lab, "v1")
    s = rnd.choice(v["subnets"])
    new = rnd.choice([None] + [t["name"] for t in v["rts"] if not t["main"]])
    if new == s["rt"]:
        return None
    old, s["rt"] = s["rt"], new
    return "subnet %s route_table %s -> %s" % (s["name"], old or "main", new or "main")


def route_target_choices(v, dst):
    out = ["blackhole"] if dst != "subnet" else []
    if v["igw"] and dst != "subnet":
        out.append("igw")
    out += [g["name"] for g in v["natgws"]]
    out += [x["name"] for x in v["instances"]]
    return out


def e_route_add(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if not v["rts"]:
        return None
    t = rnd.choice(v["rts"])
    dests = ["0.0.0.0/0", "198.51.100.0/24", "192.0.2.0/24", "198.51.100.0/28", "203.0.113.0/24"]
    if v["name"] == "v1" and rnd.random() < 0.2:
        dests = [s["cidr"] for s in v["subnets"]]  # middlebox insertion: a whole subnet's cidr
    have = {d for d, _ in t["routes"]}
    dests = [d for d in dests if d not in have]
    if not dests:
        return None
    dst = rnd.choice(dests)
    inside = ipaddress.ip_network(dst).subnet_of(ipaddress.ip_network(v["cidr"]))
    targets = route_target_choices(v, "subnet" if inside else "out")
    if not targets:
        return None
    tgt = rnd.choice(targets)
    t["routes"].append([dst, tgt])
    appliance(v, tgt)
    return "add route %s %s -> %s" % (t["name"], dst, tgt)


def appliance(v, tgt):
    for x in v["instances"]:
        if x["name"] == tgt:
            x["sdc"] = False


def e_route_remove(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    rts = [t for t in v["rts"] if t["routes"]]
    if not rts:
        return None
    t = rnd.choice(rts)
    d, tgt = t["routes"].pop(rnd.randrange(len(t["routes"])))
    return "remove route %s %s -> %s" % (t["name"], d, tgt)


def e_route_retarget(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    rts = [t for t in v["rts"] if t["routes"]]
    if not rts:
        return None
    t = rnd.choice(rts)
    r = rnd.choice(t["routes"])
    inside = ipaddress.ip_network(r[0]).subnet_of(ipaddress.ip_network(v["cidr"]))
    targets = [x for x in route_target_choices(v, "subnet" if inside else "out") if x != r[1]]
    if not targets:
        return None
    old, r[1] = r[1], rnd.choice(targets)
    appliance(v, r[1])
    return "route %s %s: %s -> %s" % (t["name"], r[0], old, r[1])


def e_instance_add(rnd, lab):
    if len(all_instances(lab)) >= MAX_INSTANCES:
        return None
    v = rnd.choice(lab["vpcs"])
    x = add_instance(rnd, lab, v)
    return "add instance %s (subnet %s, %s, groups %s)" % (x["name"], x["subnet"], x["ip"], x["sgs"])


def drop_instance_refs(lab, v, name):
    for t in v["rts"]:
        t["routes"] = [r for r in t["routes"] if r[1] != name]
    for e in lab["eips"]:
        if e["instance"] == name:
            e["instance"] = None


def e_instance_remove(rnd, lab):
    if len(all_instances(lab)) <= 2:
        return None
    v, x = rnd.choice(all_instances(lab))
    v["instances"].remove(x)
    drop_instance_refs(lab, v, x["name"])
    return "remove instance %s" % x["name"]


def e_instance_move(rnd, lab):
    v, x = rnd.choice(all_instances(lab))
    subs = [s["name"] for s in v["subnets"] if s["name"] != x["subnet"]]
    if not subs:
        return None
    old = (x["subnet"], x["ip"])
    x["subnet"] = rnd.choice(subs)
    x["ip"] = "0.0.0.0"
    free_ip(rnd, v, x["subnet"], x)  # a new interface: check gives it the lowest free
    return "move instance %s %s -> %s" % (x["name"], old, (x["subnet"], x["ip"]))


def e_instance_readdress(rnd, lab):
    v, x = rnd.choice(all_instances(lab))
    old = x["ip"]
    free_ip(rnd, v, x["subnet"], x)  # never its own: used_ips has it
    x["auto"] = False  # left out, the running address would be kept
    return "instance %s ip %s -> %s" % (x["name"], old, x["ip"])


def e_instance_flags(rnd, lab):
    v, x = rnd.choice(all_instances(lab))
    if rnd.random() < 0.5 and x["name"] not in route_targets(v):
        x["sdc"] = not x["sdc"]
        return "instance %s source_dest_check -> %s" % (x["name"], x["sdc"])
    new = rnd.choice([p for p in (None, True, False) if p != x["public"]])
    old, x["public"] = x["public"], new
    return "instance %s public_ip %s -> %s" % (x["name"], old, new)


def e_eip(rnd, lab):
    spare = [e for e in lab["eips"] if e["name"] not in natgw_eips(lab)]
    op = rnd.choice(("add", "associate", "move", "disassociate", "remove"))
    if op == "add" and len(lab["eips"]) < 5:
        return eip_add(rnd, lab, associate=rnd.random() < 0.6)
    free = instances_without_eip(lab)
    if op == "associate":
        cands = [e for e in spare if not e["instance"]]
        if not cands or not free:
            return None
        e = rnd.choice(cands)
        e["instance"] = rnd.choice(free)["name"]
        return "associate elastic_ip %s with %s" % (e["name"], e["instance"])
    held = [e for e in spare if e["instance"]]
    if op == "move" and held and free:
        e = rnd.choice(held)
        old, e["instance"] = e["instance"], rnd.choice(free)["name"]
        return "move elastic_ip %s %s -> %s" % (e["name"], old, e["instance"])
    if op == "disassociate" and held:
        e = rnd.choice(held)
        old, e["instance"] = e["instance"], None
        return "disassociate elastic_ip %s from %s" % (e["name"], old)
    if op == "remove" and spare:
        e = rnd.choice(spare)
        lab["eips"].remove(e)
        return "remove elastic_ip %s" % e["name"]
    return None


def e_natgw(rnd, lab):
    v = rnd.choice([v for v in lab["vpcs"] if v["igw"]] or [None])
    if not v:
        return None
    if v["natgws"] and (len(v["natgws"]) >= 2 or rnd.random() < 0.5):
        g = rnd.choice(v["natgws"])
        v["natgws"].remove(g)
        for t in v["rts"]:
            t["routes"] = [r for r in t["routes"] if r[1] != g["name"]]
        if rnd.random() < 0.5:
            lab["eips"] = [e for e in lab["eips"] if e["name"] != g["eip"]]
        return "remove nat_gateway %s" % g["name"]
    lab["ncounter"] += 1
    name = "nat%d" % lab["ncounter"]
    eip_add(rnd, lab)
    e = lab["eips"][-1]
    sub = rnd.choice(v["subnets"])["name"]
    g = {"name": name, "subnet": sub, "ip": "0.0.0.0", "eip": e["name"]}
    free_ip(rnd, v, sub, g)
    v["natgws"].append(g)
    msg = "add nat_gateway %s (subnet %s, %s, %s)" % (name, sub, g["ip"], e["name"])
    cands = [t for t in v["rts"] if "0.0.0.0/0" not in {d for d, _ in t["routes"]}]
    if cands and rnd.random() < 0.7:
        t = rnd.choice(cands)
        t["routes"].append(["0.0.0.0/0", name])
        msg += " and route %s 0.0.0.0/0 -> %s" % (t["name"], name)
    return msg


def e_igw(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if v["igw"]:
        if rnd.random() < 0.6:
            return None  # rarely: it takes NAT gateways with it
        v["igw"] = False
        for g in v["natgws"]:
            lab["eips"] = [e for e in lab["eips"] if e["name"] != g["eip"]]
        gone = {g["name"] for g in v["natgws"]} | {"igw"}
        v["natgws"] = []
        for t in v["rts"]:
            t["routes"] = [r for r in t["routes"] if r[1] not in gone]
        return "remove internet_gateway %s (and its NAT gateways, routes)" % v["name"]
    v["igw"] = True
    t = [t for t in v["rts"] if t["name"] in ("pub", "m2")]
    if t and "0.0.0.0/0" not in {d for d, _ in t[0]["routes"]}:
        t[0]["routes"].append(["0.0.0.0/0", "igw"])
    return "add internet_gateway %s" % v["name"]


def e_host(rnd, lab):
    if len(lab["hosts"]) < MAX_HOSTS and (len(lab["hosts"]) <= 1 or rnd.random() < 0.5):
        lab["hcounter"] += 1
        taken = {h["ip"] for h in lab["hosts"]}
        ip = rnd.choice([a for a in ("198.51.100.30", "198.51.100.40", "192.0.2.50", "198.51.100.5")
                         if a not in taken])
        h = {"name": "h%d" % lab["hcounter"], "ip": ip}
        lab["hosts"].append(h)
        return "add host %s %s" % (h["name"], ip)
    if len(lab["hosts"]) <= 1:
        return None
    h = rnd.choice(lab["hosts"])
    lab["hosts"].remove(h)
    return "remove host %s" % h["name"]


def e_vpc2(rnd, lab):
    v2 = vpc_of(lab, "v2")
    if not v2:
        if len(all_instances(lab)) >= MAX_INSTANCES:
            return None
        return add_vpc2(rnd, lab)
    if rnd.random() < 0.5:
        return None
    if len(all_instances(lab)) - len(v2["instances"]) < 2:
        return None
    for x in v2["instances"]:
        drop_instance_refs(lab, v2, x["name"])
    lab["vpcs"].remove(v2)
    return "remove vpc v2 and everything in it"


def e_subnet_readdress(rnd, lab):
    v = vpc_of(lab, "v1")
    s = subnet(v, "app")
    if any(x["subnet"] == "app" for x in v["instances"]) or any(g["subnet"] == "app" for g in v["natgws"]):
        return None
    old = s["cidr"]
    s["cidr"] = "10.0.4.0/24" if old == "10.0.3.0/24" else "10.0.3.0/24"
    for t in v["rts"]:
        t["routes"] = [r for r in t["routes"] if r[0] != old]
    return "subnet app cidr %s -> %s (empty)" % (old, s["cidr"])


def e_sg_object(rnd, lab):
    v = rnd.choice(lab["vpcs"])
    if len(v["sgs"]) < 5 and rnd.random() < 0.5:
        lab["ocounter"] = lab.get("ocounter", 0) + 1
        g = {"name": "g%d" % lab["ocounter"], "out": None,
             "in": [sg_rule(rnd.choice(("tcp", "udp")), rnd.choice(("22", "53", "80")),
                            cidr=rnd.choice(("0.0.0.0/0", v["cidr"])))]}
        v["sgs"].append(g)
        return "add sg %s %s" % (g["name"], g["in"])
    used = {n for x in v["instances"] for n in x["sgs"]}
    cands = [g for g in v["sgs"] if g["name"] not in used]
    if not cands:
        return None
    g = rnd.choice(cands)
    v["sgs"].remove(g)
    for o in v["sgs"]:  # rules that name it go with it
        for d in ("in", "out"):
            if o[d]:
                o[d] = [r for r in o[d] if r["group"] != g["name"]]
    return "remove sg %s (and the rules that name it)" % g["name"]


def e_acl_object(rnd, lab):
    v = vpc_of(lab, "v1")
    if len(v["acls"]) < 4 and rnd.random() < 0.5:
        lab["ocounter"] = lab.get("ocounter", 0) + 1
        a = {"name": "a%d" % lab["ocounter"],
             "in": [acl_rule(100, "allow", "all", None, "0.0.0.0/0")],
             "out": [acl_rule(100, rnd.choice(("allow", "deny")), "all", None, "0.0.0.0/0")]}
        v["acls"].append(a)
        s = rnd.choice(v["subnets"])
        s["acl"] = a["name"]
        return "add network_acl %s (outbound %s) for subnet %s" % (a["name"], a["out"][0]["action"],
                                                                  s["name"])
    if not v["acls"]:
        return None
    a = rnd.choice(v["acls"])
    v["acls"].remove(a)
    for sub in v["subnets"]:
        if sub["acl"] == a["name"]:
            sub["acl"] = None
    return "remove network_acl %s (its subnets: default)" % a["name"]


def e_rt_object(rnd, lab):
    v = vpc_of(lab, "v1")
    if len(v["rts"]) < 5 and rnd.random() < 0.5:
        lab["ocounter"] = lab.get("ocounter", 0) + 1
        t = {"name": "r%d" % lab["ocounter"], "main": False,
             "routes": [["0.0.0.0/0", rnd.choice(route_target_choices(v, "out"))]]}
        appliance(v, t["routes"][0][1])
        v["rts"].append(t)
        s = rnd.choice(v["subnets"])
        s["rt"] = t["name"]
        return "add route_table %s %s for subnet %s" % (t["name"], t["routes"], s["name"])
    cands = [t for t in v["rts"] if not t["main"]]
    if not cands:
        return None
    t = rnd.choice(cands)
    v["rts"].remove(t)
    for sub in v["subnets"]:
        if sub["rt"] == t["name"]:
            sub["rt"] = None
    return "remove route_table %s (its subnets: main)" % t["name"]


def e_main_table(rnd, lab):
    v = vpc_of(lab, "v1")
    cands = [t for t in v["rts"] if not t["main"]]
    if not cands:
        return None
    t = rnd.choice(cands)
    for o in v["rts"]:
        o["main"] = False
    t["main"] = True
    for sub in v["subnets"]:  # a subnet names the main table only by leaving it out
        if sub["rt"] == t["name"]:
            sub["rt"] = None
    return "main route table of v1 -> %s" % t["name"]


EDITS = [(e_sg_rule_add, 4), (e_sg_rule_remove, 3), (e_sg_rule_narrow, 2), (e_sg_outbound, 1),
         (e_sg_members, 2), (e_acl_rule_add, 2), (e_acl_rule_remove, 2), (e_subnet_acl, 1),
         (e_subnet_rt, 1), (e_route_add, 3), (e_route_remove, 2), (e_route_retarget, 2),
         (e_instance_add, 3), (e_instance_remove, 2), (e_instance_move, 2), (e_instance_readdress, 1),
         (e_instance_flags, 1), (e_eip, 3), (e_natgw, 2), (e_igw, 1), (e_host, 1), (e_vpc2, 1),
         (e_subnet_readdress, 1), (e_sg_object, 1), (e_acl_object, 1), (e_rt_object, 1),
         (e_main_table, 1)]


def one_edit(rnd, lab):
    fns = [f for f, w in EDITS for _ in range(w)]
    for _ in range(200):
        msg = rnd.choice(fns)(rnd, lab)
        if msg:
            return msg
    raise SystemExit("no edit applies")

# ---------------------------------------------------------------- YAML


def flow(d):
    parts = []
    for k, val in d.items():
        if val is None:
            continue
        if isinstance(val, bool):
            val = "true" if val else "false"
        elif isinstance(val, list):
            val = "[" + ", ".join(val) + "]"
        parts.append("%s: %s" % (k, val))
    return "{ " + ", ".join(parts) + " }"


def rules_yaml(key, rules, ind):
    if rules is None:
        return []
    if not rules:
        return ["%s%s: []" % (ind, key)]
    out = ["%s%s:" % (ind, key)]
    for r in rules:
        out.append("%s  - %s" % (ind, flow(r)))
    return out


def to_yaml(lab, full):
    """The lab file; full: every address written out (what a fresh `up` must be given to run
    the same lab), otherwise those check assigns or apply keeps are left out."""
    def addr(o):
        return o["ip"] if full or not o.get("auto") else None

    y = ["name: %s" % lab["name"], "vpcs:"]
    for v in lab["vpcs"]:
        y += ["  - name: %s" % v["name"], "    cidr: %s" % v["cidr"]]
        if v["igw"]:
            y.append("    internet_gateway: true")
        y.append("    subnets:")
        for s in v["subnets"]:
            y.append("      - " + flow({"name": s["name"], "cidr": s["cidr"], "route_table": s["rt"],
                                        "network_acl": s["acl"], "map_public_ip": s["map"] or None}))
        if v["rts"]:
            y.append("    route_tables:")
            for t in v["rts"]:
                y.append("      - name: %s" % t["name"])
                if t["main"]:
                    y.append("        main: true")
                if t["routes"]:
                    y.append("        routes:")
                    for d, tgt in t["routes"]:
                        y.append("          - { destination: %s, target: %s }" % (d, tgt))
        if v["acls"]:
            y.append("    network_acls:")
            for a in v["acls"]:
                y.append("      - name: %s" % a["name"])
                y += rules_yaml("inbound", sorted(a["in"], key=lambda r: r["rule"]), "        ")
                y += rules_yaml("outbound", sorted(a["out"], key=lambda r: r["rule"]), "        ")
        if v["sgs"]:
            y.append("    security_groups:")
        for g in v["sgs"]:
            y.append("      - name: %s" % g["name"])
            y += rules_yaml("inbound", g["in"], "        ")
            y += rules_yaml("outbound", g["out"], "        ")
        if v["natgws"]:
            y.append("    nat_gateways:")
            for g in v["natgws"]:
                y.append("      - " + flow({"name": g["name"], "subnet": g["subnet"], "ip": addr(g),
                                            "elastic_ip": g["eip"]}))
        if v["instances"]:
            y.append("    instances:")
            for x in v["instances"]:
                run = None
                if x["run"]:
                    run = '"exec sleep 600.%s%02d"' % (lab["token"], int(x["name"][1:]))
                y.append("      - " + flow({"name": x["name"], "subnet": x["subnet"], "ip": addr(x),
                                            "security_groups": x["sgs"],
                                            "source_dest_check": False if not x["sdc"] else None,
                                            "public_ip": x["public"], "run": run}))
    if lab["eips"]:
        y.append("elastic_ips:")
        for e in lab["eips"]:
            y.append("  - " + flow({"name": e["name"], "ip": e["ip"], "instance": e["instance"]}))
    y += ["internet:", "  hosts:"]
    for h in lab["hosts"]:
        y.append("    - " + flow(h))
    return "\n".join(y) + "\n"


def names_json(lab):
    inst = [x for _, x in all_instances(lab)]
    return {"instances": [x["name"] for x in inst], "hosts": [h["name"] for h in lab["hosts"]],
            "eips": [e["name"] for e in lab["eips"]],
            "runs": {x["name"]: "sleep 600.%s%02d" % (lab["token"], int(x["name"][1:]))
                     for x in inst if x["run"]}}


def gen(seed, steps, outdir, name, token):
    rnd = random.Random(seed)
    lab = new_lab(rnd, name, token)
    for i in range(steps + 1):
        if i:
            msg = one_edit(rnd, lab)
        else:
            msg = "the lab: %d instances, %d hosts, vpcs %s" % (
                len(all_instances(lab)), len(lab["hosts"]), [v["name"] for v in lab["vpcs"]])
        with open(os.path.join(outdir, "step%02d.yaml" % i), "w") as f:
            f.write(to_yaml(lab, False))
        with open(os.path.join(outdir, "step%02d.full.yaml" % i), "w") as f:
            f.write(to_yaml(lab, True))
        with open(os.path.join(outdir, "step%02d.json" % i), "w") as f:
            json.dump(names_json(lab), f)
        print("step%02d: %s" % (i, msg))

# ---------------------------------------------------------------- comparing


PROTOS = [["--tcp", "22"], ["--tcp", "80"], ["--udp", "53"], ["--icmp"]]


def auto_public(text):
    """Auto-assigned public IPs (the pool's lowest addresses; the generator writes every elastic
    IP at 203.0.113.100 and above) as AUTO: a running instance keeps the one it has (what runs
    keeps its address), a fresh up hands them out in file order, so only their presence must
    agree."""
    return re.sub(r"203\.0\.113\.(\d+)",
                  lambda m: "203.0.113.AUTO" if int(m.group(1)) < 100 else m.group(0), text)


def trace(vpclab, where, frm, to, proto):
    if where.endswith(".yaml"):
        cmd = [vpclab, "trace", where]
    else:
        cmd = [vpclab, "trace", "--live", "--lab", where]
    cmd += ["--from", frm, "--to", to] + proto + ["--return", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    try:
        d = json.loads(p.stdout)
    except ValueError:
        return " ".join(cmd), {"rc": p.returncode, "stderr": p.stderr.strip()}
    out = {"rc": p.returncode}
    known = {"40000"} | set(proto[1:])

    def nat_port(m):  # a port a NAT gateway picked: its own choice, not the lab's
        return m.group(0) if m.group(1) in known else ":P"
    for way in ("forward", "return"):
        w = d.get(way)
        if w is None:
            continue
        out[way] = {"verdict": w.get("verdict"), "reason": w.get("reason"),
                    "hops": [[auto_public(re.sub(r":(\d+)", nat_port, h.get(k) or "")) if k == "detail" else h.get(k)
                              for k in ("stage", "component", "detail", "result", "reason")]
                             for h in w.get("hops", [])]}
    return " ".join(cmd), out


def short(r):
    return ";".join("%s %s %s" % (w, r[w]["verdict"], r[w]["reason"]) for w in ("forward", "return")
                    if w in r) or json.dumps(r)


def ports(vpclab, lab):
    p = subprocess.run([vpclab, "status", lab, "--json"], capture_output=True, text=True, timeout=20)
    out = {}
    for x in json.loads(p.stdout)["ports"]:
        out[x["name"]] = {k: x.get(k) for k in ("kind", "vpc", "subnet", "ip", "public_ip",
                                                 "security_groups", "source_dest_check")}
        out[x["name"]]["security_groups"] = sorted(out[x["name"]]["security_groups"] or [])
        # An auto-assigned public IP cannot be written in a file: a running instance keeps the
        # one it has (what runs keeps its address), a fresh up hands them out in file order.
        # Whether it has one must agree; elastic IPs are written in the full file.
        out[x["name"]]["public_ip"] = auto_public(out[x["name"]]["public_ip"] or "") or None
    return out


def compare(vpclab, applied, fresh, final, names_file):
    names = json.load(open(names_file))
    bad = 0
    pa, pf = ports(vpclab, applied), ports(vpclab, fresh)
    if sorted(pa) != sorted(pf):
        print("interfaces: applied %s, fresh %s" % (sorted(pa), sorted(pf)))
        bad += 1
    for n in sorted(set(pa) & set(pf)):
        if pa[n] != pf[n]:
            print("interface %s: applied %s, fresh %s" % (n, pa[n], pf[n]))
            bad += 1
    nodes = names["instances"] + names["hosts"] + ["amazon-dns"]  # every lab has a VPC: its resolver
    if sorted(nodes) != sorted(pf):
        print("the file's nodes %s are not the fresh lab's %s" % (sorted(nodes), sorted(pf)))
        bad += 1
    jobs = []
    for a in nodes:
        for b in nodes + (names["eips"] if a in names["hosts"] else []):
            if a != b:
                jobs += [(a, b, p) for p in PROTOS]
    n_same = 0

    def run(job):
        a, b, p = job
        return job, [trace(vpclab, w, a, b, p) for w in (applied, fresh, final)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        for (a, b, p), res in ex.map(run, jobs):
            (ca, ra), (cf, rf), (co, ro) = res
            if ra == rf == ro:
                n_same += 1
                continue
            bad += 1
            if bad <= 12:
                print("trace %s -> %s %s differs:\n  applied: %s\n  fresh:   %s\n  offline: %s\n"
                      "  (%s)" % (a, b, " ".join(p), short(ra), short(rf), short(ro), ca))
                if ra.get("forward", {}).get("verdict") == rf.get("forward", {}).get("verdict"):
                    print("  applied hops: %s\n  fresh hops:   %s" % (ra, rf))
    print("compare: %d traces answer the same three times, %d differences" % (n_same, bad))
    return 1 if bad else 0


def ping(vpclab, lab, names_file):
    """Real echo requests between every ordered pair, against the live trace: answered when the
    request ends at the destination's interface and the reply at the sender's (a packet routed
    to an appliance ends at the appliance, which does not forward). The address is the one the
    trace used (its text header)."""
    names = json.load(open(names_file))
    nodes = names["instances"] + names["hosts"]
    pairs = [(a, b) for a in nodes for b in nodes if a != b]

    def ends_at(way, name):
        return way and way.get("verdict") == "delivered" and way["hops"] and \
            way["hops"][-1].get("component") == "eni " + name

    def expect(pair):
        a, b = pair
        cmd = [vpclab, "trace", "--live", "--lab", lab, "--from", a, "--to", b, "--icmp", "--return"]
        t = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        head = t.stdout.split("\n", 1)[0]  # trace A -> B (IP) protocol 1
        j = subprocess.run(cmd + ["--json"], capture_output=True, text=True, timeout=20)
        try:
            d = json.loads(j.stdout)
        except ValueError:
            return a, b, None, "trace --json failed (exit %d: %s)" % (j.returncode, j.stderr[:300])
        if "(" not in head:
            return a, b, None, "no address in the trace (exit %d: %s%s)" % (
                t.returncode, t.stdout[:200], t.stderr[:200])
        ip = head.split("(", 1)[1].split(")", 1)[0]
        return a, b, ip, "answered" if ends_at(d.get("forward"), b) and ends_at(d.get("return"), a) \
            else "silent"

    def echo(job):
        a, b, ip, want = job
        if not ip:
            return a, b, ip, "a trace", want
        q = subprocess.run(["ip", "netns", "exec", "%s-%s" % (lab, a), "ping", "-n", "-c", "2",
                            "-i", "0.2", "-W", "1", ip], capture_output=True, text=True, timeout=10)
        return a, b, ip, want, "answered" if q.returncode == 0 else "silent"
    bad = n = 0
    # The traces first, a few at a time (the router parks at most 4 clients that have not sent
    # their request yet, and drops the oldest beyond); then the pings, together.
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
        jobs = list(ex.map(expect, pairs))
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        for a, b, ip, want, got in ex.map(echo, jobs):
            n += 1
            if want != got:
                bad += 1
                print("ping %s -> %s (%s): trace says %s, the packets %s" % (a, b, ip, want, got))
    print("ping: %d pairs, %d differ from the trace" % (n, bad))
    return 1 if bad else 0


def netns(vpclab, lab):
    p = subprocess.run([vpclab, "status", lab, "--json"], capture_output=True, text=True, timeout=20)
    want = {x["name"]: x for x in json.loads(p.stdout)["ports"]}
    have = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
    have = sorted(ln.split()[0][len(lab) + 1:] for ln in have if ln.startswith(lab + "-"))
    bad = 0
    if have != sorted(want):
        print("namespaces of %s: %s; its interfaces: %s" % (lab, have, sorted(want)))
        bad += 1
    for n, x in sorted(want.items()):
        q = subprocess.run(["ip", "-n", "%s-%s" % (lab, n), "-j", "addr", "show", "dev", "eth0"],
                           capture_output=True, text=True)
        try:
            link = json.loads(q.stdout)[0]
        except (ValueError, IndexError):
            print("%s-%s: no eth0 (%s)" % (lab, n, q.stderr.strip()))
            bad += 1
            continue
        addrs = ["%s" % a["local"] for a in link.get("addr_info", []) if a.get("family") == "inet"]
        if addrs != [x["ip"]] or link.get("address") != x["mac"]:
            print("%s-%s eth0: %s %s; the router's interface: %s %s" % (
                lab, n, addrs, link.get("address"), x["ip"], x["mac"]))
            bad += 1
    print("netns: %d namespaces, %d differences" % (len(have), bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
        return 0
    if len(sys.argv) == 7 and sys.argv[1] == "compare":
        return compare(*sys.argv[2:7])
    if len(sys.argv) == 5 and sys.argv[1] == "ping":
        return ping(*sys.argv[2:5])
    if len(sys.argv) == 4 and sys.argv[1] == "netns":
        return netns(*sys.argv[2:4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
