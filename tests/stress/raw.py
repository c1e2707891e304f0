#!/usr/bin/env python3
# Bounded raw-socket senders and probes for tests/stress/run.sh, run inside a lab namespace.
#   raw.py syn SRC DST DPORT COUNT RATE [SPORT0 [NPORTS]]  COUNT TCP SYNs at most RATE/s, source
#          ports SPORT0 (1024).. cycling over NPORTS ports (65535: all, wrapping 65535 -> 1)
#   raw.py udp ...                                  the same with 8-byte UDP datagrams
#   raw.py connects IP PORT N TIMEOUT               N TCP connects one after the other: "ok N"
#   raw.py serve PORT SECS                          accept and close for SECS seconds
#   raw.py churn IP PORT SECS RATE                  TCP connect+close at most RATE/s: "ok N err M"
# Every sender stops after COUNT packets or SECS seconds: floods are bounded by construction.
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packets(kind, src, dst, dport, count, sport0, nports):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    proto = 6 if kind == "syn" else 17
    for i in range(count):
        sport = 1 + (sport0 - 1 + i % nports) % 65535
        if proto == 6:
            l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
        else:
            l4 = struct.pack("!HHHH", sport, dport, 8, 0)
        c = csum(s + d + struct.pack("!BBH", 0, proto, len(l4)) + l4)
        at = 16 if proto == 6 else 6
        l4 = l4[:at] + struct.pack("!H", c or 0xFFFF) + l4[at + 2:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i & 0xFFFF, 0, 64, proto, 0, s, d)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        yield ip + l4


def send(kind, src, dst, dport, count, rate, sport0, nports):
    sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    t0 = time.monotonic()
    sent = err = 0
    for n, pkt in enumerate(packets(kind, src, dst, dport, count, sport0, nports)):
        while True:
            try:
                sk.sendto(pkt, (dst, 0))
                sent += 1
                break
            except OSError:  # the tap's queue is full: wait for the router, do not spin
                err += 1
                time.sleep(0.001)
                if err > 100000:
                    break
        ahead = (n + 1) / rate - (time.monotonic() - t0)
        if ahead > 0.002:
            time.sleep(ahead)
    print("sent %d in %.2f s" % (sent, time.monotonic() - t0), flush=True)


def connects(ip, port, n, timeout):
    ok = 0
    for _ in range(n):
        c = socket.socket()
        c.settimeout(timeout)
        try:
            c.connect((ip, port))
            ok += 1
        except OSError:
            pass
        c.close()
    print("ok %d" % ok, flush=True)


def serve(port, secs):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(4096)
    s.settimeout(0.2)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            c, _ = s.accept()
            c.close()
        except OSError:
            pass


def churn(ip, port, secs, rate):
    ok = err = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        c = socket.socket()
        c.settimeout(1)
        try:
            c.connect((ip, port))
            ok += 1
        except OSError:
            err += 1
        c.close()
        ahead = (ok + err) / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    print("ok %d err %d" % (ok, err), flush=True)


a = sys.argv
if a[1] in ("syn", "udp"):
    send(a[1], a[2], a[3], int(a[4]), int(a[5]), float(a[6]), int(a[7]) if len(a) > 7 else 1024,
         int(a[8]) if len(a) > 8 else 65535)
elif a[1] == "connects":
    connects(a[2], int(a[3]), int(a[4]), float(a[5]))
elif a[1] == "serve":
    serve(int(a[2]), float(a[3]))
elif a[1] == "churn":
    churn(a[2], int(a[3]), float(a[4]), float(a[5]))
else:
    sys.exit("raw.py: unknown mode " + a[1])
