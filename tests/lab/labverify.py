#!/usr/bin/python3
"""Acceptance checks for the lab's TLS-defect, TLS-failure and AUTH servers.

Usage: labverify.py          (run by verify.sh, i.e. `lab.sh verify`)

Reads the lab from the environment (`eval "$(lab.sh env)"`).  Prints one
"ok   ..." or "FAIL ..." line per check; exit 0 when all pass.  Talks to
loopback addresses only.  What openssl s_client and gnutls-cli can show is
checked in verify.sh; this file checks what needs a hand-made client:

  - the DH prime each DHE server sends (a raw TLS ClientHello offering DHE
    suites only; ServerKeyExchange parsed, RFC 5246 §7.4.3): legacy sends
    the RFC 2409 group 2 prime (recomputed here from its formula), dhe1024
    Postfix's old built-in 1024-bit prime, clientorder ffdhe2048;
  - FIN, RST, alert, silence after the ClientHello (tlsfin, tlsrst,
    tlsalert, tlssilent), told apart as a client sees them;
  - the intolerant front: FIN for a hello with AES-GCM suites, a real
    handshake and SMTP over TLS for a CBC-only hello;
  - SMTP AUTH on smtp.lab.test: AUTH only after TLS, PLAIN and LOGIN, 535
    for a wrong password, mail only when authenticated and delivered to the
    Maildir, the SES-like 554 on 2587/2465 for an unverified sender.

The AUTH password is read from $MXPROBE_LAB_AUTH_PWFILE and never printed.
"""

import base64
import glob
import os
import random
import smtplib
import socket
import ssl
import struct
import sys
import time

ENV = os.environ
CA = ENV["MXPROBE_LAB_CA"]
MAILDIR = ENV["MXPROBE_LAB_MAILDIR"]
DH_DIR = ENV["MXPROBE_LAB_DH_DIR"]
AUTH_USER = ENV["MXPROBE_LAB_AUTH_USER"]
PWFILE = ENV["MXPROBE_LAB_AUTH_PWFILE"]
VERIFIED = ENV["MXPROBE_LAB_VERIFIED_SENDER"]
TIMEOUT = 10

results = []


def ok(msg):
    print("ok   " + msg)
    results.append(True)


def bad(msg):
    print("FAIL " + msg)
    results.append(False)


def check(label, fn):
    try:
        fn(label)
    except Exception as e:  # a check that crashes is a failed check
        bad("%s: %s: %s" % (label, type(e).__name__, e))


# --- SMTP up to STARTTLS ------------------------------------------------------


def reply(f):
    lines = []
    while len(lines) < 100:
        line = f.readline(4096)
        if not line:
            raise ConnectionError("closed after %r" % lines)
        lines.append(line.decode("latin-1").rstrip("\r\n"))
        if line[3:4] != b"-":
            return lines
    raise ConnectionError("reply too long")


def starttls_socket(addr, port=25):
    """A socket on which STARTTLS was answered 220 (nothing read past it)."""
    s = socket.create_connection((addr, port), timeout=TIMEOUT)
    f = s.makefile("rb", buffering=0)
    r = reply(f)
    if not r[0].startswith("220"):
        raise RuntimeError("banner %r" % r)
    s.sendall(b"EHLO verify.lab.test\r\n")
    r = reply(f)
    if not any(l[4:].upper().startswith("STARTTLS") for l in r):
        raise RuntimeError("no STARTTLS in %r" % r)
    s.sendall(b"STARTTLS\r\n")
    r = reply(f)
    if not r[0].startswith("220"):
        raise RuntimeError("STARTTLS answered %r" % r)
    f.close()
    return s


# --- a raw ClientHello (RFC 5246 §7.4.1.2) ------------------------------------

DHE_SUITES = [0x009E, 0x009F, 0x0067, 0x006B, 0x0033, 0x0039]
GCM_AND_CBC = [0xC02F, 0xC030, 0x009C, 0xC013, 0xC014, 0x002F, 0x0035]
SIGALGS = [0x0804, 0x0401, 0x0501, 0x0201, 0x0403]


def client_hello(suites, version=0x0303, sni=None):
    exts = b""
    sa = b"".join(struct.pack(">H", x) for x in SIGALGS)
    exts += struct.pack(">HHH", 13, len(sa) + 2, len(sa)) + sa
    groups = struct.pack(">HHH", 0x0017, 0x001D, 0x0100)
    exts += struct.pack(">HHH", 10, len(groups) + 2, len(groups)) + groups
    exts += struct.pack(">HHB", 11, 2, 1) + b"\x00"  # ec_point_formats
    if sni:
        name = sni.encode()
        entry = b"\x00" + struct.pack(">H", len(name)) + name
        exts += struct.pack(">HHH", 0, len(entry) + 2, len(entry)) + entry
    cs = b"".join(struct.pack(">H", x) for x in suites)
    body = (struct.pack(">H", version) + os.urandom(32) + b"\x00" +
            struct.pack(">H", len(cs)) + cs + b"\x01\x00" +
            struct.pack(">H", len(exts)) + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs


def server_flight(s, until=14, limit=65536):
    """Handshake messages [(type, body)] up to ServerHelloDone (14)."""
    buf = b""
    hs = b""
    msgs = []
    s.settimeout(TIMEOUT)

    def need(n):
        nonlocal buf
        while len(buf) < n:
            d = s.recv(16384)
            if not d:
                raise ConnectionError("EOF after %d bytes" % len(buf))
            buf += d
            if len(buf) > limit:
                raise RuntimeError("server flight over %d bytes" % limit)

    while True:
        need(5)
        ctype, length = buf[0], struct.unpack(">H", buf[3:5])[0]
        need(5 + length)
        frag, buf = buf[5:5 + length], buf[5 + length:]
        if ctype == 21:
            raise RuntimeError("alert %s" % frag.hex())
        if ctype != 22:
            raise RuntimeError("record type %d" % ctype)
        hs += frag
        while len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            n = int.from_bytes(hs[1:4], "big")
            msgs.append((hs[0], hs[4:4 + n]))
            hs = hs[4 + n:]
            if msgs[-1][0] == until:
                return msgs


def dhe_prime(addr, version=0x0303):
    """(suite, p) of a DHE handshake: ServerHello + ServerKeyExchange."""
    s = starttls_socket(addr)
    try:
        s.sendall(client_hello(DHE_SUITES, version))
        msgs = server_flight(s)
    finally:
        s.close()
    sh = dict(msgs).get(2)
    ske = dict(msgs).get(12)
    if sh is None or ske is None:
        raise RuntimeError("no ServerHello/ServerKeyExchange: types %r" %
                           [t for t, _ in msgs])
    sid = sh[34]
    suite = struct.unpack(">H", sh[35 + sid:37 + sid])[0]
    plen = struct.unpack(">H", ske[:2])[0]  # ServerDHParams.dh_p<1..2^16-1>
    return suite, int.from_bytes(ske[2:2 + plen], "big")


def pi_fixed(bits):
    """floor(2^bits * pi), by Machin's formula in integers."""
    one = 1 << (bits + 64)

    def atan_inv(x):
        total = term = one // x
        n, sign = 1, -1
        while term:
            term //= x * x
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total
    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> 64


# RFC 2409 §6.2: the prime is 2^1024 - 2^960 - 1 + 2^64 * { [2^894 pi] + 129093 }
RFC2409_GROUP2 = 2 ** 1024 - 2 ** 960 - 1 + 2 ** 64 * (pi_fixed(894) + 129093)


def pem_dh_prime(path):
    """p of a PKCS#3 DHparameter PEM file (SEQUENCE { INTEGER p, INTEGER g })."""
    with open(path) as f:
        der = base64.b64decode("".join(l for l in f.read().splitlines()
                                       if l and not l.startswith("-----")))

    def tlv(b, i):
        tag, i = b[i], i + 1
        n, i = b[i], i + 1
        if n & 0x80:
            k = n & 0x7F
            n, i = int.from_bytes(b[i:i + k], "big"), i + k
        return tag, b[i:i + n], i + n

    tag, seq, _ = tlv(der, 0)
    tag2, p, _ = tlv(seq, 0)
    if tag != 0x30 or tag2 != 0x02:
        raise RuntimeError("%s: not DH parameters" % path)
    return int.from_bytes(p, "big")


def is_probable_prime(n, rounds=16):
    if n % 2 == 0:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    rnd = random.Random(n)
    for _ in range(rounds):
        x = pow(rnd.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def dh_check(label, addr, want, bits, version=0x0303):
    suite, p = dhe_prime(addr, version)
    if p != want:
        bad("%s: DH prime %x... (%d bits) is not the expected one" %
            (label, p >> (p.bit_length() - 64), p.bit_length()))
    elif p.bit_length() != bits or not is_probable_prime((p - 1) // 2):
        bad("%s: %d bits, safe prime: %s" % (label, p.bit_length(),
                                             is_probable_prime((p - 1) // 2)))
    else:
        ok("%s: suite 0x%04X, DH %d bits, safe prime" % (label, suite, bits))


# --- TLS failure servers -------------------------------------------------------


def after_hello(addr, hello, wait=TIMEOUT):
    """Send hello after STARTTLS; return ("eof"|"rst"|"timeout", bytes)."""
    s = starttls_socket(addr)
    got = b""
    try:
        s.sendall(hello)
        s.settimeout(wait)
        while True:
            d = s.recv(4096)
            if not d:
                return "eof", got
            got += d
            if len(got) > 65536:
                return "data", got
    except ConnectionResetError:
        return "rst", got
    except socket.timeout:
        return "timeout", got
    finally:
        s.close()


ALERT = bytes.fromhex("15030300020228")


def check_tlsfin(label):
    how, got = after_hello("127.0.0.47", client_hello(GCM_AND_CBC))
    if how == "eof" and not got:
        ok("%s: FIN after the ClientHello, no byte" % label)
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))


def check_tlsrst(label):
    how, got = after_hello("127.0.0.48", client_hello(GCM_AND_CBC))
    if how == "rst" and not got:
        ok("%s: RST after the ClientHello" % label)
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))


def check_tlsalert(label):
    how, got = after_hello("127.0.0.49", client_hello(GCM_AND_CBC))
    if how == "eof" and got == ALERT:
        ok("%s: fatal alert handshake_failure (%s), then FIN" %
           (label, got.hex(" ")))
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))


def check_tlssilent(label):
    t0 = time.monotonic()
    how, got = after_hello("127.0.0.50", client_hello(GCM_AND_CBC), wait=3)
    if how == "timeout" and not got:
        ok("%s: no answer to the ClientHello in %.1f s, still open" %
           (label, time.monotonic() - t0))
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))


# --- the intolerant front ---------------------------------------------------------


def check_intolerant_gcm(label):
    how, got = after_hello("127.0.0.53", client_hello(GCM_AND_CBC))
    if how == "eof" and not got:
        ok("%s: hello with AES-GCM suites -> FIN, no byte" % label)
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))
    how, got = after_hello("127.0.0.53", client_hello([0x1301, 0x009C]))
    if how == "eof" and not got:
        ok("%s: hello with only 0x1301, 0x009C -> FIN" % label)
    else:
        bad("%s: %s after %r" % (label, how, got[:16]))


def check_intolerant_cbc(label):
    s = starttls_socket("127.0.0.53")
    ctx = ssl.create_default_context(cafile=CA)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-RSA-AES128-SHA:AES256-SHA:@SECLEVEL=0")
    t = ctx.wrap_socket(s, server_hostname="intolerant.lab.test")
    try:
        f = t.makefile("rb")
        t.sendall(b"EHLO verify.lab.test\r\n")
        r = reply(f)
        t.sendall(b"QUIT\r\n")
        reply(f)
        cipher = (t.cipher()[0], t.version())
    finally:
        t.close()
    if r[0].startswith("250 intolerant.lab.test") or \
            r[0].startswith("250-intolerant.lab.test"):
        ok("%s: CBC-only hello -> %s %s, certificate verified, EHLO over "
           "TLS -> %s" % (label, cipher[1], cipher[0], r[0]))
    else:
        bad("%s: EHLO over TLS answered %r" % (label, r))


def check_intolerant_default(label):
    s = starttls_socket("127.0.0.53")
    ctx = ssl.create_default_context(cafile=CA)
    try:
        t = ctx.wrap_socket(s, server_hostname="intolerant.lab.test")
        t.close()
        bad("%s: a default client (AES-GCM offered) completed a handshake" %
            label)
    except (ssl.SSLError, OSError) as e:
        ok("%s: a default client fails: %s" % (label, type(e).__name__))
    finally:
        s.close()


# --- SMTP AUTH --------------------------------------------------------------------


def password():
    st = os.stat(PWFILE)
    if st.st_mode & 0o077:
        raise RuntimeError("%s is group/other accessible" % PWFILE)
    with open(PWFILE) as f:
        return f.read().strip("\r\n")


def tls_ctx():
    return ssl.create_default_context(cafile=CA)


class SMTPS(smtplib.SMTP_SSL):
    """Implicit TLS to an address, the certificate checked for a name."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), timeout)
        return self.context.wrap_socket(sock, server_hostname="smtp.lab.test")


def smtp(port, starttls=True):
    if port in (465, 2465):
        c = SMTPS("127.0.0.37", port, timeout=TIMEOUT, context=tls_ctx())
        c.ehlo("verify.lab.test")
        return c
    c = smtplib.SMTP("127.0.0.37", port, timeout=TIMEOUT)
    c.ehlo("verify.lab.test")
    if starttls:
        c._host = "smtp.lab.test"  # name checked against the certificate
        c.starttls(context=tls_ctx())
        c.ehlo("verify.lab.test")
    return c


def login(c, mech, pw):
    c.user, c.password = AUTH_USER, pw
    return c.auth(mech, getattr(c, "auth_" + mech.lower()),
                  initial_response_ok=True)


def message(token, sender, rcpt):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@lab.test>"
            "\r\n\r\nlab verify\r\n" % (sender, rcpt, token, token))


def in_maildir(token, box):
    for _ in range(100):
        for p in glob.glob(os.path.join(MAILDIR, "lab.test", box, "new", "*")):
            with open(p, "rb") as fh:
                if token.encode() in fh.read():
                    return p
        time.sleep(0.1)
    return None


def new_token():
    return "mxprobe-lab-auth-%d-%d" % (os.getpid(), time.time_ns())


def check_auth_before_tls(label):
    c = smtp(587, starttls=False)
    try:
        adv = c.has_extn("auth")
        code, text = c.mail("a@lab.test")
    finally:
        c.close()
    if not adv and code == 530:
        ok("%s: no AUTH before STARTTLS; MAIL -> 530 %s" %
           (label, text.decode()))
    else:
        bad("%s: AUTH advertised %s, MAIL -> %d %r" % (label, adv, code, text))


def check_auth_ok(label, port, mech):
    pw = password()
    token = new_token()
    c = smtp(port)
    try:
        mechs = c.esmtp_features.get("auth", "").upper().split()
        code, _ = login(c, mech, pw)
        c.sendmail("test@lab.test", ["test@lab.test"],
                   message(token, "test@lab.test", "test@lab.test"))
        c.quit()
    finally:
        c.close()
    path = in_maildir(token, "test")
    if code == 235 and {"PLAIN", "LOGIN"} <= set(mechs) and path:
        ok("%s: AUTH %s -> 235 (offered: %s), message delivered to %s" %
           (label, mech, " ".join(mechs), path))
    else:
        bad("%s: AUTH %s -> %d (offered %r), delivered: %s" %
            (label, mech, code, mechs, path))


def check_auth_wrong(label, port):
    c = smtp(port)
    try:
        login(c, "PLAIN", password() + "-wrong")
        bad("%s: a wrong password was accepted" % label)
    except smtplib.SMTPAuthenticationError as e:
        text = e.smtp_error.decode()
        if e.smtp_code == 535 and "authentication failed" in text:
            ok("%s: wrong password -> %d %s" % (label, e.smtp_code, text))
        else:
            bad("%s: wrong password -> %d %s" % (label, e.smtp_code, text))
    finally:
        c.close()


def check_noauth_rcpt(label):
    c = smtp(587)
    try:
        c.mail("test@lab.test")
        code, text = c.rcpt("test@lab.test")
    finally:
        c.close()
    if code >= 500:
        ok("%s: RCPT without AUTH -> %d %s" % (label, code, text.decode()))
    else:
        bad("%s: RCPT without AUTH -> %d %r" % (label, code, text))


def check_ses(label, port):
    pw = password()
    c = smtp(port)
    try:
        login(c, "LOGIN", pw)
        try:
            c.sendmail("someone@lab.test", ["test@lab.test"],
                       message(new_token(), "someone@lab.test",
                               "test@lab.test"))
            bad("%s: an unverified sender was accepted" % label)
            return
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error.decode()
        token = new_token()
        c.rset()
        c.sendmail(VERIFIED, ["test@lab.test"],
                   message(token, VERIFIED, "test@lab.test"))
        c.quit()
    finally:
        c.close()
    # Postfix puts "<sender>: Sender address rejected: " before an access
    # map's text; the rest is what Amazon SES says.
    want = ("5.7.1 <someone@lab.test>: Sender address rejected: Message "
            "rejected: Email address is not verified. The following "
            "identities failed the check in region LAB-1: someone@lab.test")
    path = in_maildir(token, "test")
    if code == 554 and text == want:
        ok("%s: unverified sender -> after DATA: %d %s" % (label, code, text))
    else:
        bad("%s: unverified sender -> %d %r" % (label, code, text))
    if path:
        ok("%s: %s accepted and delivered" % (label, VERIFIED))
    else:
        bad("%s: %s: message %s not in the Maildir" % (label, VERIFIED, token))


def main():
    legacy_p = RFC2409_GROUP2
    check("legacy 127.0.0.38 DHE (TLS 1.0 hello)",
          lambda l: dh_check(l + ": RFC 2409 group 2", "127.0.0.38",
                             legacy_p, 1024, 0x0301))
    check("dhe1024 127.0.0.39 DHE",
          lambda l: dh_check(l + ": Postfix's built-in 1024-bit prime",
                             "127.0.0.39",
                             pem_dh_prime(os.path.join(DH_DIR, "postfix-1024.pem")),
                             1024))
    check("clientorder 127.0.0.52 DHE",
          lambda l: dh_check(l + ": ffdhe2048", "127.0.0.52",
                             pem_dh_prime(os.path.join(DH_DIR, "ffdhe2048.pem")),
                             2048))
    check("tlsfin 127.0.0.47", check_tlsfin)
    check("tlsrst 127.0.0.48", check_tlsrst)
    check("tlsalert 127.0.0.49", check_tlsalert)
    check("tlssilent 127.0.0.50", check_tlssilent)
    check("intolerant 127.0.0.53", check_intolerant_gcm)
    check("intolerant 127.0.0.53", check_intolerant_cbc)
    check("intolerant 127.0.0.53", check_intolerant_default)
    check("smtp 127.0.0.37:587", check_auth_before_tls)
    check("smtp 127.0.0.37:587 STARTTLS",
          lambda l: check_auth_ok(l, 587, "PLAIN"))
    check("smtp 127.0.0.37:587 STARTTLS", lambda l: check_auth_wrong(l, 587))
    check("smtp 127.0.0.37:587 STARTTLS", check_noauth_rcpt)
    check("smtp 127.0.0.37:465 implicit TLS",
          lambda l: check_auth_ok(l, 465, "LOGIN"))
    check("smtp 127.0.0.37:2587 STARTTLS (SES-like)",
          lambda l: check_ses(l, 2587))
    check("smtp 127.0.0.37:2465 implicit TLS (SES-like)",
          lambda l: check_ses(l, 2465))
    check("smtp 127.0.0.37:2587 STARTTLS (SES-like)",
          lambda l: check_auth_wrong(l, 2587))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
