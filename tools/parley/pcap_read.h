/*
 * Reading SIP messages out of capture files, for `parley ladder FILE.pcap`: any capture of SIP
 * over UDP (and over TCP, reassembled), not only those parley wrote.
 * - pcap_read.c: the file formats: libpcap (either byte order, micro- or nanosecond stamps) and
 *   pcapng (section, interface description, enhanced and simple packet blocks; several
 *   interfaces with their own link types and time resolutions);
 * - pcap_decode.c: link layers (Ethernet with VLAN tags, Linux cooked SLL and SLL2, raw IP,
 *   IPv4, IPv6, BSD loopback), IPv4 and IPv6 (extension headers skipped), UDP and TCP;
 * - pcap_frag.c: IPv4 and IPv6 fragments put back together (a SIP message over UDP larger
 *   than the MTU);
 * - pcap_tcp.c: TCP streams put back in order and cut into SIP messages by Content-Length.
 * Every size read from the file is checked against the bytes present: a truncated or hostile
 * file gives an error or fewer messages, never a read out of bounds.
 */
#ifndef PARLEY_CLI_PCAP_READ_H
#define PARLEY_CLI_PCAP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "parley/endpoint.h"
#include "wire_addr.h"

/* One message found: a trace event with sent = 1, local = the source address, remote = the
 * destination, transport "UDP" or "TCP", time_us the packet's time. */
typedef void (*pcap_read_cb)(void *user, const parley_trace_event *ev);

/* Reads the file at path ("-": standard input). Returns 0, or -1 with a message in err. */
int pcap_read_file(const char *path, pcap_read_cb cb, void *user, char *err, size_t errsize);
/* The same from an open stream (read sequentially; not closed). */
int pcap_read_stream(FILE *f, pcap_read_cb cb, void *user, char *err, size_t errsize);

/* ---- internal to the three files ---- */

typedef struct pcap_tcp pcap_tcp;
typedef struct pcap_frag pcap_frag;

typedef struct pcap_decoder {
    pcap_read_cb cb;
    void *user;
    pcap_tcp *tcp;
    pcap_frag *frag;
    size_t skipped; /* unknown link types */
} pcap_decoder;

/* Decodes one captured frame of the given link type. */
void pcap_decode_frame(pcap_decoder *d, uint32_t linktype, uint64_t time_us, const uint8_t *p,
                       size_t len);
/* Hands a message (UDP payload, or a message cut from a TCP stream) to the callback. */
void pcap_decode_emit(pcap_decoder *d, const char *transport, const wire_addr *src,
                      const wire_addr *dst, uint64_t time_us, const uint8_t *p, size_t len);

pcap_tcp *pcap_tcp_new(void);
void pcap_tcp_free(pcap_tcp *t);
/* One TCP segment: flags as in the header (SYN 2, FIN 1, RST 4). */
void pcap_tcp_segment(pcap_decoder *d, const wire_addr *src, const wire_addr *dst, uint32_t seq,
                      unsigned flags, uint64_t time_us, const uint8_t *p, size_t len);

/* Which datagram a fragment belongs to (RFC 791: source, destination, protocol and id; RFC
 * 8200: source, destination and id). */
typedef struct pcap_frag_key {
    int family; /* 4 or 6; src and dst hold 4 or 16 bytes */
    uint8_t src[16], dst[16];
    uint32_t id;
    int proto; /* the protocol the datagram carries (IPv6: the fragment header's next header) */
} pcap_frag_key;

pcap_frag *pcap_frag_new(void);
void pcap_frag_free(pcap_frag *f);
/* One fragment (offset in bytes, more: more fragments follow). Returns 1 when it completes its
 * datagram: *out and *outlen are then the whole payload, valid until the next call; else 0
 * (kept for later, or dropped when inconsistent). */
int pcap_frag_add(pcap_frag *f, const pcap_frag_key *k, size_t offset, bool more, const uint8_t *p,
                  size_t len, const uint8_t **out, size_t *outlen);

#endif
