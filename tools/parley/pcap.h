/*
 * A pcap writer for the SIP messages an endpoint traces (parley_trace_event): what --pcap FILE
 * writes. The file is classic libpcap format (microsecond timestamps, LINKTYPE_RAW: each record
 * is an IPv4 or IPv6 packet), so Wireshark and tshark dissect it as SIP:
 * - a UDP message is one datagram;
 * - a TCP or TLS message (TLS as the plaintext the endpoint traced) is one or more TCP segments
 *   of a connection the writer reconstructs per (local, remote) pair: a SYN, SYN-ACK, ACK
 *   handshake before its first message, then sequence and acknowledgement numbers that follow
 *   the bytes each side sent, so that "follow TCP stream" and SIP reassembly work. Messages
 *   over 64 KiB are split into several segments.
 * Events arrive from the endpoints' loop threads: every function here is thread-safe.
 */
#ifndef PARLEY_CLI_PCAP_H
#define PARLEY_CLI_PCAP_H

#include "parley/endpoint.h"

typedef struct pcap_writer pcap_writer;

/* Creates (truncates) path and writes the file header. Returns 0, or -1 with errno set. */
int pcap_writer_open(const char *path, pcap_writer **out);

/*
 * Writes the packet(s) of one traced message: sent messages go local -> remote, received ones
 * remote -> local. An address that is the wildcard or port 0 (a connection whose local address
 * was not known when it was traced) is matched to the connection already seen with that peer,
 * and its packets use that connection's addresses. A write error is kept for
 * pcap_writer_close; later events are then ignored.
 */
void pcap_writer_event(pcap_writer *w, const parley_trace_event *ev);

/* Flushes, closes and frees (NULL is ignored). Returns 0, or -1 with errno set when a write
 * failed at any point. */
int pcap_writer_close(pcap_writer *w);

#endif
