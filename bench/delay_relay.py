#!/usr/bin/env python3
"""delay_relay.py - a TCP relay on loopback that adds latency.

Purpose: this kernel has no sch_netem (shared/LAB-NOTES.md), so the
benchmark models an internet round-trip time with this userspace relay in
front of each lab server.  Every chunk read from either side is written to
the other side DELAY_MS later (order kept), so one request/answer exchange
costs 2 x DELAY_MS.  The connection set-up is modelled too: the upstream
connection is opened CONNECT_DELAY_MS after the client's connect (default
3 x DELAY_MS: SYN, SYN-ACK, ACK), and whatever the client sends before
that waits for it; so the server's first byte reaches the client
4 x DELAY_MS (two round trips) after connect(), as over a real path.

Usage:
  delay_relay.py --map LISTEN_IP:PORT=TARGET_IP:PORT [--map ...]
                 [--delay-ms 25] [--connect-delay-ms 75]
                 [--max-conns 256] [--conn-lifetime 300] [--max-seconds 7200]
                 [--ready-file FILE]

  One process serves every --map.  Both sides of every map must be
  loopback addresses (127.0.0.0/8 or ::1); anything else is refused at
  start.  When every listener is bound, the relay writes "ready" to
  --ready-file (if given) and to stdout.

Limits (everything is bounded):
  --max-conns      connections relayed at once; more are closed at accept.
  --conn-lifetime  seconds one relayed connection may live.
  --max-seconds    the relay exits by itself after this many seconds.
  Per direction at most 4 MiB may wait in the delay queue; a reader that
  gets that far ahead pauses until the queue drains.
  SIGTERM / SIGINT stop it at once (listeners closed, connections cut).

Half-close is relayed: an EOF from one side becomes a shutdown(SHUT_WR)
on the other, after the same delay.  A reset or error closes both sides.
Exit status: 0 after a signal or --max-seconds, 2 on bad arguments or when
a listener cannot be bound.
"""

import argparse
import asyncio
import ipaddress
import signal
import socket
import sys

QUEUE_CAP = 4 * 1024 * 1024
READ_SIZE = 65536


def loopback_endpoint(text):
    """Parse IP:PORT or [IPv6]:PORT; refuse anything not on loopback."""
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            raise ValueError("expected [IPv6]:PORT, got %r" % text)
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            raise ValueError("expected IP:PORT, got %r" % text)
    addr = ipaddress.ip_address(host)
    if not addr.is_loopback:
        raise ValueError("%s is not a loopback address" % host)
    portnum = int(port)
    if not 0 < portnum < 65536:
        raise ValueError("bad port in %r" % text)
    return str(addr), portnum


class Stats:
    def __init__(self):
        self.active = 0
        self.total = 0
        self.refused = 0


async def pump(get_reader, get_writer, delay, deadline, ready):
    """Copy one direction, each chunk DELAY seconds after it was read.

    get_reader/get_writer return the stream once `ready` is set (the
    upstream side exists only after the modelled connection set-up); the
    client side is there from the start, so its bytes are read (and their
    delay starts) before the upstream connection exists."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    queued = [0]
    drained = asyncio.Event()
    drained.set()

    async def read_side():
        reader = get_reader()
        if reader is None:
            await ready.wait()
            reader = get_reader()
        try:
            while True:
                data = await reader.read(READ_SIZE)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
                queued[0] += len(data)
                if queued[0] >= QUEUE_CAP:
                    drained.clear()
                    await drained.wait()
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time() + delay, None))

    async def write_side():
        await ready.wait()
        writer = get_writer()
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:  # read error: reset both sides
                raise ConnectionError("peer reset")
            if not data:  # EOF: half-close, like the peer did
                if writer.can_write_eof():
                    writer.write_eof()
                await writer.drain()
                return
            writer.write(data)
            await writer.drain()
            queued[0] -= len(data)
            if queued[0] < QUEUE_CAP:
                drained.set()

    tasks = [asyncio.ensure_future(read_side()),
             asyncio.ensure_future(write_side())]
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise asyncio.TimeoutError()
            done, pending = await asyncio.wait(
                tasks, timeout=remaining,
                return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                if t.exception() is not None:
                    raise t.exception()
            if not pending:
                return
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def handle(client_r, client_w, target, opts, stats):
    loop = asyncio.get_running_loop()
    if stats.active >= opts.max_conns:
        stats.refused += 1
        client_w.transport.abort()
        return
    stats.active += 1
    stats.total += 1
    up = {}
    ready = asyncio.Event()
    delay = opts.delay_ms / 1000.0
    deadline = loop.time() + opts.conn_lifetime

    async def connect_upstream():
        await asyncio.sleep(opts.connect_delay_ms / 1000.0)
        try:
            up["r"], up["w"] = await asyncio.wait_for(
                asyncio.open_connection(target[0], target[1]), timeout=10)
        except (OSError, asyncio.TimeoutError) as e:
            raise ConnectionError("upstream connect: %s" % e) from e
        ready.set()

    tasks = [
        asyncio.ensure_future(connect_upstream()),
        asyncio.ensure_future(pump(lambda: client_r, lambda: up.get("w"),
                                   delay, deadline, ready)),
        asyncio.ensure_future(pump(lambda: up.get("r"), lambda: client_w,
                                   delay, deadline, ready)),
    ]
    how = "closed"
    t0 = loop.time()
    try:
        # Done when both directions finished, or at the first error.
        await asyncio.gather(*tasks)
    except (ConnectionError, OSError, asyncio.TimeoutError) as e:
        how = "%s: %s" % (type(e).__name__, e)
    finally:
        if opts.verbose:
            print("delay_relay: conn %d to %s:%d %.3f s, %s"
                  % (stats.total, target[0], target[1], loop.time() - t0,
                     how), file=sys.stderr, flush=True)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stats.active -= 1
        for w in (client_w, up.get("w")):
            if w is not None and w.transport is not None:
                w.transport.abort()


async def main_async(opts, maps):
    loop = asyncio.get_running_loop()
    stats = Stats()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    servers = []
    try:
        for listen, target in maps:
            srv = await asyncio.start_server(
                lambda r, w, t=target: handle(r, w, t, opts, stats),
                host=listen[0], port=listen[1], reuse_address=True,
                backlog=128)
            for s in srv.sockets:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            servers.append(srv)
    except OSError as e:
        print("delay_relay: cannot listen: %s" % e, file=sys.stderr)
        for srv in servers:
            srv.close()
        return 2
    if opts.ready_file:
        with open(opts.ready_file, "w") as f:
            f.write("ready\n")
    print("ready", flush=True)
    try:
        await asyncio.wait_for(stop.wait(), timeout=opts.max_seconds)
    except asyncio.TimeoutError:
        print("delay_relay: --max-seconds reached, exiting", file=sys.stderr)
    for srv in servers:
        srv.close()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.cancel()
    print("delay_relay: %d connections relayed, %d refused (cap)"
          % (stats.total, stats.refused), file=sys.stderr)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--map", action="append", required=True,
                   help="LISTEN_IP:PORT=TARGET_IP:PORT (loopback only)")
    p.add_argument("--delay-ms", type=float, default=25.0)
    p.add_argument("--connect-delay-ms", type=float, default=None)
    p.add_argument("--max-conns", type=int, default=256)
    p.add_argument("--conn-lifetime", type=float, default=300.0)
    p.add_argument("--max-seconds", type=float, default=7200.0)
    p.add_argument("--ready-file")
    p.add_argument("--verbose", action="store_true",
                   help="one line per relayed connection on stderr")
    opts = p.parse_args()
    if opts.connect_delay_ms is None:
        opts.connect_delay_ms = 3 * opts.delay_ms
    if not (0 <= opts.delay_ms <= 5000 and 0 <= opts.connect_delay_ms <= 5000
            and 1 <= opts.max_conns <= 4096 and opts.conn_lifetime > 0
            and 0 < opts.max_seconds <= 86400):
        p.error("a limit is out of range")
    maps = []
    try:
        for m in opts.map:
            left, sep, right = m.partition("=")
            if not sep:
                raise ValueError("--map wants LISTEN=TARGET, got %r" % m)
            maps.append((loopback_endpoint(left), loopback_endpoint(right)))
    except ValueError as e:
        p.error(str(e))
    return asyncio.run(main_async(opts, maps))


if __name__ == "__main__":
    sys.exit(main())
