#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A UE behind a radio bearer, as an access node sees it: a TUN device
whose packets, whatever their addresses (link-local and multicast
included), go to the gateway in GTP-U T-PDUs, and into which the
gateway's T-PDUs for the bearer are written.  The UE is the kernel of the
namespace the device is moved into: its own IPv6 autoconfiguration, ping
and sockets, unchanged.

  gtpu_ue.py DEV LOCAL GATEWAY UPLINK_TEID DOWNLINK_TEID

Creates DEV, prints "ready" and carries packets until it is killed.  Only
T-PDUs of DOWNLINK_TEID with the plain 8-octet header (what nf-gtpu sends
without a QFI) are delivered; anything else from the gateway is ignored.
"""
import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
GTPU_PORT = 2152
TPDU = 255


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    dev, local, gateway, uplink, downlink = sys.argv[1:6]
    uplink, downlink = int(uplink, 0), int(downlink, 0)
    tun = open_tun(dev)
    sock = socket.socket(socket.AF_INET6 if ":" in gateway else socket.AF_INET,
                         socket.SOCK_DGRAM)
    sock.bind((local, GTPU_PORT))
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([tun, sock], [], [])
        if tun in ready:
            pkt = os.read(tun, 65535)
            sock.sendto(struct.pack("!BBHI", 0x30, TPDU, len(pkt), uplink) + pkt,
                        (gateway, GTPU_PORT))
        if sock in ready:
            msg = sock.recv(65535)
            if len(msg) < 8:
                continue
            flags, mtype, length, teid = struct.unpack("!BBHI", msg[:8])
            if (flags, mtype, teid) == (0x30, TPDU, downlink) and length == len(msg) - 8:
                os.write(tun, msg[8:])


if __name__ == "__main__":
    main()
