#!/usr/bin/python3
"""Run a server that cannot be told its address, in a network namespace of
its own, and hand its port out through a unix socket.

Usage: netns_gate.py --unix PATH --port PORT [--pidfile FILE] -- COMMAND [ARG...]

gnutls-serv (the lab's 3DES/RC4 server) has no option for the address it
binds: it listens on every address of the machine.  This process first
moves itself into a new, empty network namespace (unshare(CLONE_NEWNET),
needs root), whose only interface is its own loopback, so "every address"
means nothing that anyone outside can reach.  Then it:

  1. checks that lo is the namespace's only interface and brings it up
     (refusing to go on if unshare failed or anything else is there);
  2. starts COMMAND (which must listen on PORT), with a parent-death signal
     so it never outlives this process;
  3. waits (at most 20 s) until 127.0.0.1:PORT accepts a connection;
  4. listens on the unix socket PATH (unix sockets live in the file system,
     not in a network namespace) and relays every connection to
     127.0.0.1:PORT, bytes unchanged both ways (scripted_smtp.pipe: at most
     256 at once, each at most 130 s);
  5. writes FILE (its pid) once the unix socket listens.

SIGTERM/SIGINT stop COMMAND and this process and remove PATH and FILE; if
COMMAND exits, this process exits too (status 1), so `lab.sh status` sees
it.  Log lines go to stderr; COMMAND's output goes where ours goes.
"""

import argparse
import ctypes
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scripted_smtp  # noqa: E402  (pipe, Session, limits)

PR_SET_PDEATHSIG = 1
START_TIMEOUT = 20.0


def log(msg):
    sys.stderr.write("%s netns_gate[%d]: %s\n" %
                     (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), msg))
    sys.stderr.flush()


CLONE_NEWNET = 0x40000000


def new_namespace():
    """unshare(2) into a new network namespace; before any thread starts."""
    libc = ctypes.CDLL(None, use_errno=True)
    before = os.readlink("/proc/self/ns/net")
    if libc.unshare(CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        sys.exit("netns_gate.py: unshare(CLONE_NEWNET): %s; refusing to "
                 "start" % os.strerror(e))
    if os.readlink("/proc/self/ns/net") == before:
        sys.exit("netns_gate.py: still in the old network namespace")
    names = sorted(n for _, n in socket.if_nameindex())
    if names != ["lo"]:
        sys.exit("netns_gate.py: namespace has interfaces %s, want only lo"
                 % names)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)


def pdeathsig():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def wait_port(port, child):
    end = time.monotonic() + START_TIMEOUT
    while time.monotonic() < end:
        if child.poll() is not None:
            sys.exit("netns_gate.py: %s exited with %d at start" %
                     (child.args[0], child.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("netns_gate.py: nothing listens on port %d after %d s" %
             (port, START_TIMEOUT))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = scripted_smtp.Session(self.request, "gate")
        try:
            b = socket.create_connection(("127.0.0.1", self.server.port),
                                         timeout=10)
        except OSError as e:
            log("connect to 127.0.0.1:%d: %s" % (self.server.port, e))
            return
        try:
            up, down = scripted_smtp.pipe(s, b)
            outcome = "relayed %d bytes up, %d down" % (up, down)
        except OSError as e:
            outcome = "error: %s" % e
        finally:
            b.close()
        log(outcome)


class Gate(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, path, port):
        self.port = port
        self.active = 0
        self.lock = threading.Lock()
        super().__init__(path, Handler)

    def process_request(self, request, client_address):
        with self.lock:
            if self.active >= scripted_smtp.MAX_CONNECTIONS:
                request.close()
                return
            self.active += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.active -= 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unix", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no COMMAND given")
    new_namespace()
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             preexec_fn=pdeathsig)
    cleanup = [args.unix] + ([args.pidfile] if args.pidfile else [])

    def stop(code):
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(3)
            except subprocess.TimeoutExpired:
                child.kill()
        for p in cleanup:
            try:
                os.unlink(p)
            except OSError:
                pass
        os._exit(code)

    signal.signal(signal.SIGTERM, lambda *_: stop(0))
    signal.signal(signal.SIGINT, lambda *_: stop(0))
    wait_port(args.port, child)
    try:
        os.unlink(args.unix)
    except FileNotFoundError:
        pass
    gate = Gate(args.unix, args.port)
    os.chmod(args.unix, 0o600)

    def watch():
        child.wait()
        log("%s exited with %d; stopping" % (cmd[0], child.returncode))
        stop(1)

    threading.Thread(target=watch, daemon=True).start()
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    log("%s on port %d of a private network namespace, relayed from %s" %
        (cmd[0], args.port, args.unix))
    gate.serve_forever()


if __name__ == "__main__":
    main()
