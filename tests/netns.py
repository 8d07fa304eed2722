# SPDX-License-Identifier: GPL-2.0-only
"""Network namespaces for the selftests' Python peers.

A namespace is entered by its name under /run/netns with setns(), in
the process itself: "ip netns exec" starts a process, which takes most
of a second in the emulated guest, and the counters of a namespace are
read often (before and after every packet of a corpus).
"""
import ctypes
import os

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def enter_netns(name):
    """Move this process into network namespace NAME for good."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        setns(fd)
    finally:
        os.close(fd)


def in_netns(name, fn):
    """Call fn() in network namespace NAME; sockets keep their namespace."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        enter_netns(name)
        try:
            return fn()
        finally:
            setns(own)
    finally:
        os.close(own)


def gtpu_counters(dev):
    """/proc/net/nf_gtpu of the current namespace, and DEV's received
    packets as "DEV_rx" (from /proc/net/dev: /sys shows the namespace of
    whoever mounted it)."""
    c = {}
    with open("/proc/net/nf_gtpu") as f:
        for line in f:
            k, v = line.split()
            c[k] = int(v)
    with open("/proc/net/dev") as f:
        for line in f:
            name, _, stats = line.partition(":")
            if name.strip() == dev:
                c[f"{dev}_rx"] = int(stats.split()[1])
    return c
