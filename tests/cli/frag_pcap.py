#!/usr/bin/env python3
"""Writes a pcap (Ethernet) of SIP over UDP whose large MESSAGEs are IP fragments, as a capture
on a 1500-byte MTU network holds them: an IPv4 MESSAGE in 3 fragments captured out of order, an
IPv6 MESSAGE in 2, each answered 200 in one packet, and a third MESSAGE whose middle fragment
was lost (it must not be drawn). Usage: frag_pcap.py OUT.pcap [MTU] (default 1500; the fuzz
seed tests/fuzz/corpus/pcap/frag.pcap is written with 576, to stay within the fuzzer's 8 KiB)"""
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sip(first, call, cseq, body=""):
    head = (
        f"{first}\r\nVia: SIP/2.0/UDP host-a:5060;branch=z9hG4bK{call}{cseq}\r\n"
        f"From: <sip:alice@a.example>;tag=a{call}\r\nTo: <sip:bob@b.example>\r\n"
        f"Call-ID: {call}@a.example\r\nCSeq: {cseq} MESSAGE\r\nMax-Forwards: 70\r\n"
    )
    if body:
        head += "Content-Type: text/plain\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def udp(src_ip, dst_ip, payload, v6):
    seg = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    if v6:
        pseudo = src_ip + dst_ip + struct.pack("!IxxxB", len(seg), 17)
    else:
        pseudo = src_ip + dst_ip + struct.pack("!xBH", 17, len(seg))
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def v4_packets(src, dst, ident, payload, mtu=1500):
    """IPv4 packets of one UDP datagram: fragments of at most mtu bytes."""
    out, step, off = [], (mtu - 20) // 8 * 8, 0
    while True:
        part = payload[off:off + step]
        more = off + step < len(payload)
        flags = (0x2000 if more else 0) | (off // 8)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident, flags, 64, 17, 0,
                          src, dst)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        out.append((0x0800, hdr + part))
        off += step
        if not more:
            return out


def v6_packets(src, dst, ident, payload, mtu=1500):
    """IPv6 packets of one UDP datagram, with a fragment header when it does not fit."""
    if 40 + len(payload) <= mtu:
        return [(0x86DD, struct.pack("!IHBB", 6 << 28, len(payload), 17, 64) + src + dst +
                 payload)]
    out, step, off = [], (mtu - 48) // 8 * 8, 0
    while off < len(payload):
        part = payload[off:off + step]
        more = off + step < len(payload)
        fh = struct.pack("!BBHI", 17, 0, off | (1 if more else 0), ident)
        out.append((0x86DD, struct.pack("!IHBB", 6 << 28, 8 + len(part), 44, 64) + src + dst +
                    fh + part))
        off += step
    return out


def main():
    mtu = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    a4, b4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
    a6 = bytes.fromhex("20010db8000000000000000000000001")
    b6 = bytes.fromhex("20010db8000000000000000000000002")
    big = "x" * (2 * mtu)
    pkts = []
    f = v4_packets(a4, b4, 0x1234, udp(a4, b4, sip("MESSAGE sip:bob@b.example SIP/2.0",
                                                   "v4", 1, big), False), mtu)
    assert len(f) == 3
    pkts += [f[2], f[0], f[1]]  # out of order, as a capture may hold them
    pkts += v4_packets(b4, a4, 0x99, udp(b4, a4, sip("SIP/2.0 200 OK", "v4", 1), False))
    f = v6_packets(a6, b6, 0xABCDEF, udp(a6, b6, sip("MESSAGE sip:bob@b.example SIP/2.0",
                                                     "v6", 1, "y" * (4 * mtu // 3)), True), mtu)
    assert len(f) == 2
    pkts += f
    pkts += v6_packets(b6, a6, 1, udp(b6, a6, sip("SIP/2.0 200 OK", "v6", 1), True))
    f = v4_packets(a4, b4, 0x4321, udp(a4, b4, sip("MESSAGE sip:bob@b.example SIP/2.0",
                                                   "lost", 2, big), False), mtu)
    pkts += [f[0], f[2]]  # the middle fragment never came
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (etype, ip) in enumerate(pkts):
            frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", etype) + ip
            out.write(struct.pack("<IIII", 1000 + i, 0, len(frame), len(frame)) + frame)


main()
