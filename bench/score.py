#!/usr/bin/env python3
"""score.py - ground truth, per-tool defect claims and the tables of the
mxprobe benchmark (bench/run.sh drives it; see bench/README.md).

Subcommands:
  truth --addr IP --port N --mode starttls|implicit --out FILE.json
        Establish what the server really does, with real handshakes by
        OpenSSL (s_client) and GnuTLS (gnutls-cli), outside any capture:
        each check below, its value, and the handshakes that decided it.
        This is the answer key; no tool under test is involved.
  claims --tool NAME FILE
        What one tool's saved output claims about each check (JSON).
  pathtime --addr IP --port N --mode starttls|implicit --count N --out FILE
        The time of one probe connection on a path (for the efficiency
        column): N times, one after the other, a TCP connect, the SMTP
        greeting, EHLO, STARTTLS (STARTTLS mode only), one ClientHello
        (Python's OpenSSL, TLS 1.0 to 1.3, every suite at security level
        0) and the server's whole first flight (or its alert, FIN or RST),
        then close - what an enumeration connection must do at least.
        Samples are appended to FILE (JSON) with their median.
  table RESULTS_DIR
        The side-by-side tables for every condition in RESULTS_DIR.

Checks (the columns of the defect table):
  dh1024  an authenticated DHE suite uses a DH group of <= 1024 bits
          (what makes OpenSSL clients abort with "dh key too small";
          anonymous DH is not this defect)
  tls10   TLS 1.0 accepted          tls11   TLS 1.1 accepted
  3des    a 3DES suite accepted     rc4     an RC4 suite accepted
  nopfs   a static-RSA (RSA key transport) suite accepted
  cbc     a CBC suite accepted
  order   the server enforces its own suite order: "server" or "client"
  intol   handshake intolerance: a wide ClientHello is dropped without an
          alert (FIN/RST) while a narrower one negotiates
  versions the set of TLS versions (1.0 to 1.3) the server accepts, e.g.
          "1.0,1.1,1.2"; scored as a whole, like order
A boolean check is "found" when true and the tool's output shows it,
"missed" when true and the output does not, a false positive (FP) when it
is false and the output claims it.  For `order` and `versions` a claim
equal to the truth is found, a different claim an FP, no claim missed.  A check whose truth
could not be established ("?") is not scored.

Tool output is read with a table of regular expressions per tool and per
check (CLAIM_RULES below).  Cipher suite names (OpenSSL or IANA) are
classified with testssl.sh's cipher-mapping.txt (key exchange,
authentication, cipher, MAC), so "is this suite static RSA / 3DES / CBC"
is a lookup, not a guess.

Limits: every handshake runs under `timeout` (20 s); at most ~40
handshakes per endpoint for the truth.  Only loopback addresses are
accepted.  No state outside the files named on the command line.
"""

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys

CHECKS = ["dh1024", "tls10", "tls11", "3des", "rc4", "nopfs", "cbc",
          "order", "intol", "versions"]
CHECK_TITLE = {
    "dh1024": "DHE <=1024",
    "tls10": "TLS1.0",
    "tls11": "TLS1.1",
    "3des": "3DES",
    "rc4": "RC4",
    "nopfs": "static RSA",
    "cbc": "CBC",
    "order": "order",
    "intol": "intolerance",
    "versions": "versions",
}
# checks whose truth is a value (not yes/no): found when the claim equals
# it, FP when a different claim is made, missed when none is
VALUE_CHECKS = ("order", "versions")
TOOLS = ["mxprobe", "sslscan", "testssl", "nmap"]
MAPPING_FILES = ["/etc/testssl/cipher-mapping.txt",
                 "/usr/share/testssl/etc/cipher-mapping.txt"]
HS_TIMEOUT = 20


# --------------------------------------------------------------------------
# cipher suite registry (from testssl.sh's mapping file)

class Registry:
    def __init__(self):
        self.by_name = {}
        path = next((p for p in MAPPING_FILES if os.path.exists(p)), None)
        if path is None:
            sys.exit("score.py: cipher-mapping.txt of testssl.sh not found "
                     "(apt-get install testssl.sh)")
        rx = re.compile(r"^\s*(0x\S+)\s+-\s+(\S+)\s+(\S+)\s+(\S+)\s+Kx=(\S+)"
                        r"\s+Au=(\S+)\s+Enc=(\S+)\s+Mac=(\S+)")
        with open(path) as f:
            for line in f:
                m = rx.match(line)
                if not m:
                    continue
                code, ossl, iana, proto, kx, au, enc, mac = m.groups()
                if proto == "SSLv2":
                    continue
                info = {"code": code, "openssl": ossl, "iana": iana,
                        "kx": kx, "au": au, "enc": enc, "mac": mac}
                for n in (ossl, iana):
                    if n != "-" and n not in self.by_name:
                        self.by_name[n] = info

    def get(self, name):
        return self.by_name.get(name)

    @staticmethod
    def is_static_rsa(i):
        return i["kx"] in ("RSA", "RSA(512)", "RSA(1024)") and \
            i["au"] == "RSA"

    @staticmethod
    def is_3des(i):
        return i["enc"].startswith("3DES")

    @staticmethod
    def is_rc4(i):
        return i["enc"].startswith("RC4")

    @staticmethod
    def is_cbc(i):
        return i["mac"] != "AEAD" and not i["enc"].startswith(
            ("RC4", "None", "NULL")) and i["kx"] != "any"

    @staticmethod
    def is_auth_dhe(i):
        return i["kx"].startswith("DH") and i["au"] not in ("None", "PSK")


# --------------------------------------------------------------------------
# truth: real handshakes with OpenSSL and GnuTLS

def check_loopback(addr):
    if not ipaddress.ip_address(addr).is_loopback:
        sys.exit("score.py: %s is not a loopback address" % addr)


def run(cmd):
    try:
        p = subprocess.run(["timeout", str(HS_TIMEOUT)] + cmd,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace")
        return p.returncode, p.stdout + p.stderr
    except OSError as e:
        return 127, str(e)


def retried(fn):
    """A handshake that ended without a verdict (no alert, no answer) is
    tried again, at most twice: a loaded machine must not turn a
    transient failure into a "no" of the ground truth."""
    import time

    def wrapper(*args):
        r = fn(*args)
        for attempt in range(2):
            if r["ok"] or r["end"] == "alert":
                break
            time.sleep(1)
            r = fn(*args)
            r["attempts"] = attempt + 2
        return r
    return wrapper


@retried
def ossl(addr, port, mode, args):
    """One OpenSSL handshake; returns a dict with ok, version, suite,
    temp key bits (DH only), and how it ended."""
    cmd = ["openssl", "s_client", "-connect", "%s:%d" % (addr, port)]
    if mode == "starttls":
        cmd += ["-starttls", "smtp", "-name", "bench.lab.test"]
    cmd += args
    rc, out = run(cmd)
    r = {"tool": "openssl", "args": " ".join(args), "ok": False,
         "version": None, "suite": None, "dh_bits": None, "end": "?"}
    m = re.search(r"^\s*Protocol\s*:\s*(\S+)", out, re.M)
    c = re.search(r"^\s*Cipher\s*:\s*(\S+)", out, re.M)
    if m and c and c.group(1) not in ("0000", "(NONE)"):
        r.update(ok=True, version=m.group(1), suite=c.group(1), end="ok")
    t = re.search(r"Server Temp Key: DH, (\d+) bits", out)
    if t:
        r["dh_bits"] = int(t.group(1))
    if not r["ok"]:
        if re.search(r"alert|no (shared )?cipher|no protocols available",
                     out, re.I):
            r["end"] = "alert"
        elif re.search(r"unexpected eof|errno=104|reset by peer|errno=32|"
                       r"write:errno|read:errno|Connection reset", out, re.I):
            r["end"] = "closed"
        elif rc == 124:
            r["end"] = "timeout"
        else:
            r["end"] = "failed"
        r["tail"] = out[-400:]
    return r


@retried
def gtls(addr, port, mode, prio):
    cmd = ["gnutls-cli", "--insecure", "-p", str(port), "--priority", prio]
    if mode == "starttls":
        cmd += ["--starttls-proto=smtp"]
    cmd += [addr]
    rc, out = run(cmd)
    r = {"tool": "gnutls", "args": prio, "ok": False, "version": None,
         "suite": None, "dh_bits": None, "end": "?"}
    d = re.search(r"^- Description: (.*)$", out, re.M)
    if d and "Handshake was completed" in out:
        desc = d.group(1)
        v = re.match(r"\((TLS1\.\d|SSL3\.0)", desc)
        r.update(ok=True, version=v.group(1) if v else None, suite=desc,
                 end="ok")
        b = re.search(r"\((?:DHE|ANON-DH)-[A-Z]*?(\d+)\)", desc)
        if b:
            r["dh_bits"] = int(b.group(1))
    else:
        r["end"] = "alert" if re.search(r"alert", out, re.I) else (
            "timeout" if rc == 124 else "failed")
        r["tail"] = out[-400:]
    return r


G_TAIL = ":+MAC-ALL:+SIGN-ALL:+GROUP-ALL:+COMP-NULL:+CTYPE-X509" \
         ":%PROFILE_VERY_WEAK"
G_VERS = "+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0"
G_ALLC = "+CIPHER-ALL:+3DES-CBC:+ARCFOUR-128"
G_CBC = "+AES-128-CBC:+AES-256-CBC:+CAMELLIA-128-CBC:+CAMELLIA-256-CBC" \
        ":+3DES-CBC"
G_KX = "+RSA:+DHE-RSA:+DHE-DSS:+ECDHE-RSA:+ECDHE-ECDSA"


def gprio(vers, ciphers, kx):
    return "NONE:" + vers + ":" + ciphers + ":" + kx + G_TAIL


def truth(addr, port, mode):
    hs = []

    def g(check, prio):
        r = gtls(addr, port, mode, prio)
        r["check"] = check
        hs.append(r)
        if not r["ok"] and r["end"] != "alert" and G_ALLC in prio:
            # dropped without an alert: ask again with CBC suites only, so
            # a server intolerant of modern suites still gets its facts
            r = gtls(addr, port, mode, prio.replace(G_ALLC, G_CBC))
            r["check"] = check
            hs.append(r)
        return r

    def o(check, args):
        r = ossl(addr, port, mode, args)
        r["check"] = check
        hs.append(r)
        return r

    t = {}
    # versions: GnuTLS (knows 3DES/RC4 servers), OpenSSL as second opinion
    for check, gv, ov in (("tls10", "+VERS-TLS1.0", "-tls1"),
                          ("tls11", "+VERS-TLS1.1", "-tls1_1")):
        a = g(check, gprio(gv, G_ALLC, G_KX))
        b = a if a["ok"] else o(check, [ov, "-cipher", "ALL:@SECLEVEL=0"])
        t[check] = "yes" if a["ok"] or b["ok"] else "no"
    vers = {"1.0": t["tls10"], "1.1": t["tls11"]}
    a = g("versions", gprio("+VERS-TLS1.2", G_ALLC, G_KX))
    b = a if a["ok"] else o("versions", ["-tls1_2", "-cipher",
                                         "ALL:@SECLEVEL=0"])
    vers["1.2"] = "yes" if a["ok"] or b["ok"] else "no"
    a = o("versions", ["-tls1_3"])
    if not a["ok"] and a["end"] != "alert":
        # dropped without an alert (an AES-GCM-intolerant front): ask
        # again without AES-GCM
        a = o("versions", ["-tls1_3", "-ciphersuites",
                           "TLS_CHACHA20_POLY1305_SHA256"])
    vers["1.3"] = "yes" if a["ok"] else ("no" if a["end"] == "alert"
                                         else "?")
    t["versions"] = "?" if "?" in vers.values() else \
        ",".join(v for v in ("1.0", "1.1", "1.2", "1.3") if vers[v] == "yes")
    t["3des"] = "yes" if g("3des", gprio(G_VERS, "+3DES-CBC", G_KX))["ok"] \
        else "no"
    t["rc4"] = "yes" if g("rc4", gprio(G_VERS, "+ARCFOUR-128", G_KX))["ok"] \
        else "no"
    a = g("nopfs", gprio(G_VERS, G_ALLC, "+RSA"))
    b = a if a["ok"] else o("nopfs", ["-no_tls1_3", "-min_protocol", "TLSv1",
                                      "-cipher", "kRSA:@SECLEVEL=0"])
    t["nopfs"] = "yes" if a["ok"] or b["ok"] else "no"
    a = g("cbc", gprio(G_VERS, G_CBC, G_KX))
    b = a if a["ok"] else o("cbc", ["-no_tls1_3", "-min_protocol", "TLSv1",
                                    "-cipher", "ALL:!AESGCM:!AESCCM:"
                                    "!CHACHA20:!aNULL:@SECLEVEL=0"])
    t["cbc"] = "yes" if a["ok"] or b["ok"] else "no"
    # authenticated DHE: the group size, from both stacks
    a = g("dh1024", gprio(G_VERS, G_ALLC, "+DHE-RSA:+DHE-DSS"))
    b = o("dh1024", ["-no_tls1_3", "-min_protocol", "TLSv1", "-cipher",
                     "kDHE+aRSA:kDHE+aDSS:@SECLEVEL=0"])
    bits = [r["dh_bits"] for r in (a, b) if r["ok"] and r["dh_bits"]]
    if any(x <= 1024 for x in bits):
        t["dh1024"] = "yes"
    elif bits or not (a["ok"] or b["ok"]):
        t["dh1024"] = "no"   # DHE with a bigger group, or no DHE at all
    else:
        t["dh1024"] = "?"
    # order: offer all (X), all but X (Y), then "Y:X": X again = server
    t["order"] = "?"
    base = "ALL:@SECLEVEL=0"
    for ver in ("-tls1_2", "-tls1_1", "-tls1"):
        x = o("order", [ver, "-cipher", base])
        if not x["ok"]:
            continue
        y = o("order", [ver, "-cipher", "%s:-%s" % (base, x["suite"])])
        if y["ok"]:
            z = o("order", [ver, "-cipher", "%s:%s:@SECLEVEL=0"
                            % (y["suite"], x["suite"])])
            if z["ok"]:
                t["order"] = "server" if z["suite"] == x["suite"] else \
                    "client"
        break
    # intolerance: a wide hello (TLS 1.0..1.3, all OpenSSL suites)
    wide = o("intol", ["-min_protocol", "TLSv1", "-cipher", base])
    narrower_ok = any(r["ok"] for r in hs if r["check"] != "intol")
    if wide["ok"]:
        t["intol"] = "no"
    elif wide["end"] == "closed" and narrower_ok:
        t["intol"] = "yes"
    elif wide["end"] == "alert":
        t["intol"] = "no"
    else:
        t["intol"] = "?"
    reachable = any(r["ok"] for r in hs)
    if not reachable:
        t = {k: "?" for k in CHECKS}
    return {"addr": addr, "port": port, "mode": mode, "truth": t,
            "reachable": reachable, "handshakes": hs}


# --------------------------------------------------------------------------
# pathtime: the time of one minimal probe connection on a path

PATH_LIMIT_S = 20


def path_ctx():
    """The client context of the path exchange, made once (outside the
    timing): no verification, TLS 1.0 to 1.3, every suite."""
    import ssl
    import warnings
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def one_path_exchange(ctx, addr, port, mode):
    """One connection: connect, [greeting, EHLO, STARTTLS,] ClientHello,
    the server's first flight; returns (seconds, how it ended).  The first
    flight is complete when Python's TLS client has consumed it and wants
    to answer (TLS 1.2: ClientKeyExchange; TLS 1.3: the handshake is done),
    or the server sent an alert, FIN or RST."""
    import socket
    import ssl
    import time
    t0 = time.monotonic()
    deadline = t0 + PATH_LIMIT_S
    s = socket.create_connection((addr, port), timeout=PATH_LIMIT_S)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def reply():
            buf = b""
            while True:
                if time.monotonic() > deadline or len(buf) > 65536:
                    raise OSError("no complete SMTP reply")
                d = s.recv(4096)
                if not d:
                    raise OSError("closed during the SMTP dialogue")
                buf += d
                lines = buf.split(b"\r\n")
                for ln in lines[:-1]:
                    if len(ln) >= 4 and ln[3:4] == b" ":
                        return ln[:3]
        if mode == "starttls":
            reply()
            s.sendall(b"EHLO bench.lab.test\r\n")
            reply()
            s.sendall(b"STARTTLS\r\n")
            if reply() != b"220":
                return time.monotonic() - t0, "starttls_refused"
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inc, out, server_side=False)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        s.sendall(out.read())
        while True:
            if time.monotonic() > deadline:
                return time.monotonic() - t0, "timeout"
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                return time.monotonic() - t0, "rst"
            if not d:
                return time.monotonic() - t0, "fin"
            inc.write(d)
            try:
                obj.do_handshake()
                return time.monotonic() - t0, "flight"   # TLS 1.3 done
            except ssl.SSLWantReadError:
                if out.pending:
                    return time.monotonic() - t0, "flight"   # TLS 1.2
            except ssl.SSLError as e:
                return time.monotonic() - t0, "alert:" + e.reason \
                    if e.reason else "tls_error"
    finally:
        s.close()


def pathtime(addr, port, mode, count, path):
    import time
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {"addr": addr, "port": port, "mode": mode,
               "what": "connect, [greeting, EHLO, STARTTLS,] ClientHello, "
                       "server's first flight, close", "samples": []}
    ctx = path_ctx()
    for _ in range(count):
        try:
            t, how = one_path_exchange(ctx, addr, port, mode)
        except OSError as e:
            t, how = None, "error: %s" % e
        doc["samples"].append({"s": t, "end": how,
                               "at": time.strftime("%H:%M:%S")})
        time.sleep(0.2)
    ok = sorted(x["s"] for x in doc["samples"] if x["s"] is not None)
    doc["median_s"] = median(ok) if ok else None
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return doc


def median(v):
    v = sorted(v)
    n = len(v)
    if not n:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# --------------------------------------------------------------------------
# claims: what a tool's output says

def vset(vs):
    """A version set as the truth writes it: "1.0,1.2" ("none" if empty)."""
    s = sorted(set(vs))
    return ",".join(s) if s else "none"


def suites_claims(names, reg):
    """Claims that follow from a list of suite names the tool lists as
    accepted (OpenSSL or IANA names)."""
    c = {}
    infos = [reg.get(n) for n in names]
    infos = [i for i in infos if i]
    if any(reg.is_3des(i) for i in infos):
        c["3des"] = "yes"
    if any(reg.is_rc4(i) for i in infos):
        c["rc4"] = "yes"
    if any(reg.is_static_rsa(i) for i in infos):
        c["nopfs"] = "yes"
    if any(reg.is_cbc(i) for i in infos):
        c["cbc"] = "yes"
    return c


def claims_sslscan(text, reg):
    c = {}
    rows = re.findall(r"^(?:Preferred|Accepted)\s+(TLSv1\.[0-3]|SSLv[23])\s+"
                      r"\d+ bits\s+(\S+)[ \t]*(.*)$", text, re.M)
    c.update(suites_claims([n for v, n, _ in rows if v != "TLSv1.3"], reg))
    if re.search(r"^TLSv1\.0\s+enabled", text, re.M):
        c["tls10"] = "yes"
    if re.search(r"^TLSv1\.1\s+enabled", text, re.M):
        c["tls11"] = "yes"
    vs = re.findall(r"^TLSv(1\.[0-3])\s+enabled", text, re.M)
    if re.search(r"^TLSv1\.[0-3]\s+(en|dis)abled", text, re.M):
        c["versions"] = vset(vs)
    for v, n, extra in rows:
        i = reg.get(n)
        m = re.search(r"DHE (\d+) bits", extra)
        if i and reg.is_auth_dhe(i) and m and int(m.group(1)) <= 1024:
            c["dh1024"] = "yes"
    ok = "Supported Server Cipher(s)" in text or bool(rows)
    return c, ok


def claims_nmap(text, reg):
    c = {}
    names = re.findall(r"^\|\s+(TLS_\w+) \(", text, re.M)
    c.update(suites_claims(names, reg))
    if re.search(r"^\|\s+TLSv1\.0:", text, re.M):
        c["tls10"] = "yes"
    if re.search(r"^\|\s+TLSv1\.1:", text, re.M):
        c["tls11"] = "yes"
    vs = re.findall(r"^\|\s+TLSv(1\.[0-3]):", text, re.M)
    if vs:
        c["versions"] = vset(vs)
    for n, bits in re.findall(r"^\|\s+(TLS_\w+) \(dh (\d+)\)", text, re.M):
        i = reg.get(n)
        if i and reg.is_auth_dhe(i) and int(bits) <= 1024:
            c["dh1024"] = "yes"
    # ssl-dh-params: "Cipher Suite: X" ... "Modulus Length: N"
    for n, bits in re.findall(r"Cipher Suite: (TLS_\w+)\s*\n(?:\|.*\n){0,4}?"
                              r"\|\s+Modulus Length: (\d+)", text):
        i = reg.get(n)
        if i and reg.is_auth_dhe(i) and int(bits) <= 1024:
            c["dh1024"] = "yes"
    prefs = re.findall(r"cipher preference: (server|client)", text)
    if "server" in prefs:
        c["order"] = "server"
    elif "client" in prefs:
        c["order"] = "client"
    ok = "ssl-enum-ciphers" in text
    return c, ok


def claims_testssl(text, reg):
    c = {}
    if re.search(r"^\s*TLS 1\s+offered", text, re.M):
        c["tls10"] = "yes"
    if re.search(r"^\s*TLS 1\.1\s+offered", text, re.M):
        c["tls11"] = "yes"
    vl = re.findall(r"^\s*TLS 1(\.[123])?\s+(offered|not offered)", text,
                    re.M)
    if vl:
        c["versions"] = vset(["1" + (d or ".0") for d, st in vl
                              if st == "offered"])
    if re.search(r"Triple DES Ciphers / IDEA\s+offered", text) or \
            re.search(r"SWEET32 \(.*\)\s+VULNERABLE", text):
        c["3des"] = "yes"
    if re.search(r"RC4 \(CVE-2013-2566, CVE-2015-2808\)\s+VULNERABLE", text):
        c["rc4"] = "yes"
    if re.search(r"Obsolete CBC ciphers \(AES, ARIA etc\.\)\s+offered",
                 text):
        c["cbc"] = "yes"
    # every OpenSSL suite name testssl prints (PFS list, BEAST list,
    # negotiated cipher, cipher order, client simulation) was accepted
    names = [w for w in re.findall(r"[A-Z0-9][A-Z0-9_-]+", text)
             if reg.get(w) and "-" in w]
    for k, v in suites_claims(names, reg).items():
        c.setdefault(k, v)
    # per-cipher listing: " x9e  DHE-RSA-AES128-GCM-SHA256  DH 1024  AESGCM ..."
    for n, bits in re.findall(r"^\s*x[0-9a-fA-F]+\s+(\S+)\s+DH (\d+)\s",
                              text, re.M):
        i = reg.get(n)
        if i and reg.is_auth_dhe(i) and int(bits) <= 1024:
            c["dh1024"] = "yes"
    m = re.search(r"DH group offered:\s+.*?\((\d+) bits\)", text)
    if (m and int(m.group(1)) <= 1024) or \
            re.search(r"LOGJAM \(CVE-2015-4000\).*VULNERABLE", text) or \
            re.search(r"common prime with (512|768|1024) bits", text):
        c["dh1024"] = "yes"
    m = re.search(r"Has server cipher order\?\s+(yes|no)", text)
    if m:
        c["order"] = "server" if m.group(1) == "yes" else "client"
    if re.search(r"intoleran", text, re.I):
        c["intol"] = "yes"
    ok = "Testing protocols" in text
    return c, ok


def claims_mxprobe(text, reg):
    """mxprobe ciphers --json: finding ids first (the product's stable
    contract), then the enumeration facts."""
    c = {}
    try:
        doc = json.loads(text)
    except ValueError:
        return c, False
    ids = set()
    suites = []
    orders = []

    def walk(x):
        if isinstance(x, dict):
            if isinstance(x.get("id"), str):
                ids.add(x["id"])
            for k in ("iana", "openssl"):
                if isinstance(x.get(k), str):
                    suites.append(x)
                    break
            so = x.get("server_order")
            if so is True or so == 1:
                orders.append("server")
            elif so is False or so == 0:
                orders.append("client")
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    vs, seen = [], False
    for tg in doc.get("targets") or []:
        for ep in tg.get("endpoints") or []:
            for v in (ep.get("enumeration") or {}).get("versions") or []:
                m = re.match(r"TLSv(1(?:\.[0-3])?)$", v.get("version", ""))
                if m:
                    seen = True
                    if v.get("state") == "accepted":
                        vs.append(m.group(1) if "." in m.group(1)
                                  else "1.0")
    if seen:
        c["versions"] = vset(vs)
    if ids & {"version.tls10"}:
        c["tls10"] = "yes"
    if ids & {"version.tls11"}:
        c["tls11"] = "yes"
    if "suite.no_forward_secrecy" in ids:
        c["nopfs"] = "yes"
    if "suite.cbc_legacy" in ids:
        c["cbc"] = "yes"
    if "tls.hello_intolerance" in ids:
        c["intol"] = "yes"
    if "order.client_preference" in ids:
        c["order"] = "client"
    elif "server" in orders:
        c["order"] = "server"
    elif "client" in orders:
        c["order"] = "client"
    names = []
    for s in suites:
        n = s.get("iana") or s.get("openssl")
        names.append(n)
        i = reg.get(n)
        bits = s.get("kx_bits")
        if i and reg.is_auth_dhe(i) and isinstance(bits, int) and \
                0 < bits <= 1024:
            c["dh1024"] = "yes"
    for k, v in suites_claims(names, reg).items():
        c.setdefault(k, v)
    return c, True


CLAIM_RULES = {"sslscan": claims_sslscan, "nmap": claims_nmap,
               "testssl": claims_testssl, "mxprobe": claims_mxprobe}


def claims(tool, path, reg):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return {}, False
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return CLAIM_RULES[tool](text, reg)


# --------------------------------------------------------------------------
# scoring and tables

def score(truth_map, claim_map):
    found, missed, fp = [], [], []
    for k in CHECKS:
        t = truth_map.get(k, "?")
        cl = claim_map.get(k)
        if t == "?":
            continue
        if k in VALUE_CHECKS:
            if cl == t:
                found.append(k)
            elif cl is None:
                missed.append(k)
            else:
                fp.append(k)
        elif t == "yes":
            (found if cl == "yes" else missed).append(k)
        elif cl == "yes":
            fp.append(k)
    return found, missed, fp


def read_meta(path):
    meta = {}
    try:
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    meta[k] = v
    except OSError:
        pass
    return meta


def fmt_table(header, rows):
    w = [max(len(str(r[i])) for r in [header] + rows)
         for i in range(len(header))]
    out = []
    line = "  ".join(str(h).ljust(w[i]) for i, h in enumerate(header))
    out.append(line.rstrip())
    out.append("  ".join("-" * w[i] for i in range(len(header))))
    for r in rows:
        out.append("  ".join(str(c).ljust(w[i])
                             for i, c in enumerate(r)).rstrip())
    return "\n".join(out)


def table(results):
    reg = Registry()
    out = []
    conds = sorted(d for d in os.listdir(results)
                   if os.path.isdir(os.path.join(results, d)) and
                   d not in ("truth",))
    truths = {}
    tdir = os.path.join(results, "truth")
    for f in sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []:
        if f.endswith(".json"):
            with open(os.path.join(tdir, f)) as fh:
                truths[f[:-5]] = json.load(fh)
    order = ["dhe1024", "legacy", "3des", "3des-starttls", "intolerant",
             "mx1", "bigclient"]
    out.append("Ground truth (real OpenSSL/GnuTLS handshakes, outside the "
               "captures):")
    rows = []
    for ep in sorted(truths, key=lambda e: order.index(e)
                     if e in order else 99):
        tr = truths[ep]
        rows.append([ep, "%s:%d" % (tr["addr"], tr["port"])] +
                    [tr["truth"].get(k, "?") for k in CHECKS])
    out.append(fmt_table(["endpoint", "address"] +
                         [CHECK_TITLE[k] for k in CHECKS], rows))
    totals = {}
    for cond in sorted(conds, key=lambda c: (c != "plain", c)):
        cdir = os.path.join(results, cond)
        eps = sorted(os.listdir(cdir), key=lambda e: order.index(e)
                     if e in order else 99)
        out.append("")
        out.append("Condition: %s" % cond)
        rows = []
        detail = []
        effs = []
        for ep in eps:
            tr = truths.get(ep, {}).get("truth", {})
            drow = [ep]
            for tool in TOOLS:
                meta = read_meta(os.path.join(cdir, ep, tool + ".meta"))
                if not meta:
                    na = read_meta(os.path.join(cdir, ep, tool + ".na"))
                    rows.append([ep, tool, "-", "-", "-", "-", "-", "-", "-",
                                 na.get("status", "not available") if na
                                 else "not run"])
                    drow.append("-")
                    continue
                cl, ok = claims(tool, os.path.join(cdir, ep, tool + ".out"),
                                reg)
                f, m, fp = score(tr, cl)
                note = []
                if meta.get("timed_out") == "1":
                    note.append("TIMEOUT at %ss" % meta.get("timeout_s"))
                elif meta.get("rc") not in ("0", None) and not ok:
                    note.append("exit %s" % meta.get("rc"))
                if not ok:
                    note.append("no result")
                if m:
                    note.append("missed: " + ",".join(m))
                if fp:
                    note.append("FP: " + ",".join(fp))
                wall = float(meta.get("wall_s", "nan"))
                runs = [float(x) for x in
                        meta.get("wall_runs", "").split(",") if x]
                if len(runs) > 1:
                    note.append("median of %d runs (%s-%s s)" %
                                (len(runs), fmt_wall(min(runs)),
                                 fmt_wall(max(runs))))
                try:
                    with open(os.path.join(cdir, ep,
                                           tool + ".loadavg")) as fh:
                        load = fh.read().split()[0]
                except (OSError, IndexError):
                    load = "?"
                eff = "-"
                if tool == "mxprobe":
                    e = efficiency(os.path.join(cdir, ep), meta)
                    effs.append((ep, meta, e))
                    if e.get("eff") is not None:
                        eff = "%.2f" % e["eff"]
                rows.append([ep, tool,
                             fmt_wall(wall) +
                             ("+" if meta.get("timed_out") == "1" else ""),
                             meta.get("conns", "?"), eff, len(f), len(m),
                             len(fp), load, "; ".join(note)])
                tot = totals.setdefault((cond, tool), [0.0, 0, 0, 0, 0, 0])
                tot[0] += wall
                tot[1] += int(meta.get("conns", "0") or 0)
                tot[2] += len(f)
                tot[3] += len(m)
                tot[4] += len(fp)
                tot[5] += 1 if meta.get("timed_out") == "1" else 0
                marks = []
                for k in CHECKS:
                    t = tr.get(k, "?")
                    c = cl.get(k)
                    if t == "?":
                        continue
                    if k == "versions":
                        marks.append("v" if c == t else
                                     "(v)" if c is None else "!v:" + c)
                        continue
                    if k == "order":
                        hit = c == t
                        bad = c is not None and c != t
                        if hit:
                            marks.append("o:" + t[0])
                        elif bad:
                            marks.append("o:" + c[0] + "!")
                        else:
                            marks.append("o:-")
                        continue
                    if t == "yes":
                        marks.append(CHECK_TITLE[k].replace(" ", "")
                                     if c == "yes" else
                                     "(" + CHECK_TITLE[k].replace(" ", "")
                                     + ")")
                    elif c == "yes":
                        marks.append("!" + CHECK_TITLE[k].replace(" ", ""))
                drow.append(" ".join(marks) if ok or marks else "no result")
            detail.append(drow)
        out.append(fmt_table(["endpoint", "tool", "wall s", "TCP conns",
                              "eff", "found", "missed", "FP", "load",
                              "notes"], rows))
        out.append("")
        out.append("Per check (%s): NAME = shown, (NAME) = missed, "
                   "!NAME = false positive, o:s/o:c = server/client order "
                   "shown, o:- = order not shown, v = the version set "
                   "shown, (v) = none shown, !v:SET = a wrong set" % cond)
        out.append(fmt_table(["endpoint"] + TOOLS, detail))
        if effs:
            out.append("")
            out.append(efficiency_table(cond, effs))
    if totals:
        out.append("")
        out.append("Totals per condition and tool (all endpoints):")
        rows = []
        for (cond, tool), t in sorted(totals.items(),
                                      key=lambda kv: (kv[0][0] != "plain",
                                                      kv[0][0],
                                                      TOOLS.index(kv[0][1]))):
            rows.append([cond, tool, "%.1f%s" % (t[0], "+" if t[5] else ""),
                         t[1], t[2], t[3], t[4],
                         "%d timeout(s)" % t[5] if t[5] else ""])
        out.append(fmt_table(["condition", "tool", "wall s", "TCP conns",
                              "found", "missed", "FP", ""], rows))
    return "\n".join(out)


def efficiency(epdir, meta):
    """mxprobe's efficiency on one endpoint: ideal = connections (SYNs of
    the captured run) x path time (median of the pathtime samples taken in
    the same run and condition) / per-host cap; eff = ideal / wall (the
    median wall time).  Also the slot use of the captured run from the
    connection records in its JSON (slots())."""
    e = {"eff": None}
    try:
        with open(os.path.join(epdir, "pathtime.json")) as f:
            pt = json.load(f)
    except (OSError, ValueError):
        pt = None
    cap = int(meta.get("cap", "2") or 2)
    e["cap"] = cap
    try:
        conns = int(meta.get("conns", ""))
        wall = float(meta.get("wall_s", ""))
    except ValueError:
        return e
    doc = None
    try:
        with open(os.path.join(epdir, "mxprobe.out")) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        pass
    # At plain loopback the lab's addresses are shared: another user's
    # connection to the same address and port is in the capture too.  The
    # SYNs whose source port is one of mxprobe's records are mxprobe's.
    e["syns"], e["foreign"] = conns, None
    try:
        with open(os.path.join(epdir, "mxprobe.ports")) as f:
            ports = set(int(x) for x in f.read().split())
        mine = set()
        for tg in (doc or {}).get("targets") or []:
            for ep in tg.get("endpoints") or []:
                for c in ep.get("connections") or []:
                    lp = (c.get("local") or {}).get("port")
                    if isinstance(lp, int):
                        mine.add(lp)
        if mine:
            e["foreign"] = len(ports - mine)
            conns = len(ports & mine)
            # one per distinct (port, ISN): a port the kernel reused
            # within the run is a second connection (run.sh's .syns)
            try:
                with open(os.path.join(epdir, "mxprobe.syns")) as f:
                    pairs = set(tuple(ln.split()) for ln in f
                                if ln.strip())
                conns = sum(1 for src, _ in pairs
                            if int(src.rsplit(".", 1)[1]) in mine)
            except (OSError, ValueError, IndexError):
                pass
    except (OSError, ValueError):
        pass
    e["conns"], e["wall"] = conns, wall
    if pt and pt.get("median_s"):
        ok = [x["s"] for x in pt["samples"] if x["s"] is not None]
        e["path"], e["path_n"] = pt["median_s"], len(ok)
        e["path_min"], e["path_max"] = min(ok), max(ok)
        e["ideal"] = conns * pt["median_s"] / cap
        e["eff"] = e["ideal"] / wall if wall > 0 else None
    if doc:
        e["slots"] = slots(doc, cap,
                           float(meta.get("wall_first_s", wall) or wall))
        sl = e["slots"]
        # the most perfect packing with nothing outside the connections
        # could give: ideal / (sum of the connection times / cap)
        if "ideal" in e and sl.get("busy"):
            e["bound"] = e["ideal"] / (sl["busy"] / cap)
        for tg in doc.get("targets") or []:
            for ep in tg.get("endpoints") or []:
                en = ep.get("enumeration") or {}
                if en.get("retries") or en.get("per_host_cap") not in \
                        (None, cap):
                    e["backoff"] = "backoff: %s retries, cap %s at the end" \
                        % (en.get("retries"), en.get("per_host_cap"))
    return e


def slots(doc, cap, wall):
    """Occupancy of the per-host slots in one mxprobe run, from the
    connection records of its JSON: records, their median duration, slot
    use (sum of durations / (cap x wall)), and the stretches in which fewer
    than cap connections were open (longest first), with what ran then."""
    import datetime
    recs = []
    for tg in doc.get("targets") or []:
        for ep in tg.get("endpoints") or []:
            recs += ep.get("connections") or []
    iv = []
    for c in recs:
        try:
            st = datetime.datetime.strptime(
                c["started"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            d = c["steps"]["end_us"] / 1e6
        except (KeyError, TypeError, ValueError):
            continue
        p = c.get("purpose") or {}
        iv.append((st, st + d, "%s %s" % (p.get("kind", "?"),
                                          p.get("version") or "")))
    r = {"records": len(recs)}
    if not iv:
        return r
    try:
        t0 = datetime.datetime.strptime(
            doc["started"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (KeyError, ValueError):
        t0 = None
    first = min(a for a, _, _ in iv)
    if t0 is None or t0 > first or first - t0 > 5:
        t0 = first   # "started" has whole seconds only: take the first
    iv.sort()
    ev = sorted([(a, 1) for a, _, _ in iv] + [(b, -1) for _, b, _ in iv])
    last = max(b for _, b, _ in iv)
    r["busy"] = sum(b - a for a, b, _ in iv)
    # connections that completed a handshake (a confirmation, an advice
    # test, the probe): they wait for the server's Finished, one round
    # trip more than the path time's minimal exchange
    r["full"] = sum(1 for c in recs
                    if (c.get("answer") or {}).get("reaction") == "handshake")
    r["median_conn"] = median([b - a for a, b, _ in iv])
    r["span"] = last - first
    r["use"] = r["busy"] / (cap * wall) if wall > 0 else None
    # stretches with fewer than cap open, between the first connect and
    # the last close
    gaps, n, prev = [], 0, first
    for t, dn in ev:
        if t > prev and n < cap and t - prev > 0:
            gaps.append([prev, t, n])
        n += dn
        prev = t
    # contiguous stretches with fewer than cap open are one stretch; its
    # weight is the idle slot-seconds in it
    merged = []
    for a, b, k in gaps:
        if merged and abs(merged[-1][1] - a) < 1e-4:
            merged[-1][1] = b
            merged[-1][2] = min(merged[-1][2], k)
            merged[-1][3] += (b - a) * (cap - k)
        else:
            merged.append([a, b, k, (b - a) * (cap - k)])
    r["idle"] = sum(g[3] for g in merged)
    r["outside"] = max(0.0, wall - r["span"])
    long = sorted(merged, key=lambda g: -g[3])
    desc = []
    for a, b, k, w in long[:3]:
        if w < 0.2:
            break
        what = sorted(set(w.strip() for x, y, w in iv if x < b and y > a))
        if not what:
            before = [w for x, y, w in iv if y <= a + 1e-4]
            after = [w for x, y, w in iv if x >= b - 1e-4]
            before = [w for x, y, w in sorted(
                (t for t in iv if t[1] <= a + 1e-4), key=lambda t: t[1])]
            what = ["after " + before[-1].strip() if before else "",
                    "before " + after[0].strip() if after else ""]
            what = [w for w in what if w]
        desc.append("%.2f-%.2f s %.1f slot-s%s" % (
            a - first, b - first, w,
            (" (" + ", ".join(what) + ")") if what else ""))
    r["stretches"] = desc
    return r


def efficiency_table(cond, effs):
    rows = []
    for ep, meta, e in effs:
        sl = e.get("slots") or {}
        syn = str(e.get("syns", "?"))
        if e.get("foreign"):
            syn += " (%d not mxprobe's)" % e["foreign"]
        rows.append([
            ep, syn, sl.get("records", "?"),
            "%.3f (%d: %.3f-%.3f)" % (e["path"], e["path_n"], e["path_min"],
                                      e["path_max"]) if "path" in e else "?",
            fmt_wall(e["ideal"]) if "ideal" in e else "?",
            fmt_wall(e["wall"]) if "wall" in e else "?",
            "%.2f" % e["eff"] if e.get("eff") is not None else "?",
            "%.2f" % sl["use"] if sl.get("use") is not None else "?",
            "%.2f" % e["bound"] if e.get("bound") is not None else "?",
            str(sl["full"]) if "full" in sl else "?",
            "%.3f" % sl["median_conn"] if "median_conn" in sl else "?",
            "%.1f" % sl["idle"] if "idle" in sl else "?",
            "%.2f" % sl["outside"] if "outside" in sl else "?",
            "; ".join(([e["backoff"]] if e.get("backoff") else []) +
                      (sl.get("stretches") or []))])
    return ("Efficiency of mxprobe (%s): ideal = SYNs (those from mxprobe's "
            "records' ports) x path time / cap %d;"
            " eff = ideal / wall (median); slot use = sum of connection "
            "times / (cap x wall) of the captured run; bound = ideal / "
            "(sum of connection times / cap), the eff of a perfect packing "
            "with nothing outside the connections; full = connections that "
            "completed a handshake (one round trip more than the path "
            "time); idle = slot-seconds "
            "with fewer than cap connections open, between the first "
            "connect and the last close; outside = wall time before the "
            "first connect and after the last close; stretches = where "
            "slots idled most (seconds from the first connect)\n"
            % (cond, effs[0][2].get("cap", 2)) +
            fmt_table(["endpoint", "SYNs", "records", "path s (n: range)",
                       "ideal s", "wall s", "eff", "slot use", "bound",
                       "full", "conn s",
                       "idle", "outside", "stretches"], rows))


def fmt_wall(w):
    """Seconds: two decimals below 10 s (loopback runs differ there)."""
    return "%.2f" % w if w < 10 else "%.1f" % w


def stamp(out, ts):
    """Copy stdin to OUT byte for byte and to TS with the elapsed seconds
    (since this started, i.e. since the tool started) before each line."""
    import time
    t0 = time.monotonic()
    with open(out, "wb") as fo, open(ts, "w") as ft:
        for line in sys.stdin.buffer:
            fo.write(line)
            fo.flush()
            ft.write("%8.2f\t%s\n" % (time.monotonic() - t0,
                                       line.decode("utf-8", "replace")
                                       .rstrip("\n")))
            ft.flush()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("truth")
    a.add_argument("--addr", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--mode", choices=["starttls", "implicit"],
                   required=True)
    a.add_argument("--out", required=True)
    b = sub.add_parser("claims")
    b.add_argument("--tool", choices=TOOLS, required=True)
    b.add_argument("file")
    d = sub.add_parser("stamp")
    d.add_argument("out")
    d.add_argument("ts")
    c = sub.add_parser("table")
    c.add_argument("results")
    e = sub.add_parser("pathtime")
    e.add_argument("--addr", required=True)
    e.add_argument("--port", type=int, required=True)
    e.add_argument("--mode", choices=["starttls", "implicit"],
                   required=True)
    e.add_argument("--count", type=int, default=5)
    e.add_argument("--out", required=True)
    opts = p.parse_args()
    if opts.cmd == "pathtime":
        check_loopback(opts.addr)
        if not 1 <= opts.count <= 20:
            sys.exit("score.py: --count takes 1 to 20")
        doc = pathtime(opts.addr, opts.port, opts.mode, opts.count,
                       opts.out)
        print("path time %s:%d: median %s s of %d (%s)" % (
            opts.addr, opts.port,
            "%.3f" % doc["median_s"] if doc["median_s"] is not None
            else "?", len(doc["samples"]),
            ", ".join(sorted(set(x["end"] for x in doc["samples"])))))
        return 0 if doc["median_s"] is not None else 1
    if opts.cmd == "truth":
        check_loopback(opts.addr)
        res = truth(opts.addr, opts.port, opts.mode)
        with open(opts.out, "w") as f:
            json.dump(res, f, indent=1)
        print(" ".join("%s=%s" % (k, res["truth"][k]) for k in CHECKS))
        return 0 if res["reachable"] else 1
    if opts.cmd == "claims":
        cl, ok = claims(opts.tool, opts.file, Registry())
        print(json.dumps({"ok": ok, "claims": cl}))
        return 0
    if opts.cmd == "stamp":
        return stamp(opts.out, opts.ts)
    print(table(opts.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
