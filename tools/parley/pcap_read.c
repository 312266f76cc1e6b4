/* Capture file formats: libpcap and pcapng (see pcap_read.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"

#define MAX_RECORD (16u << 20) /* larger records are not packets: the file is damaged */
#define MAX_IFACES 64

typedef struct reader {
    FILE *f;
    pcap_decoder *d;
    char *err;
    size_t errsize;
    uint8_t *buf;
    size_t cap;
    bool swap; /* the file's byte order is not ours */
} reader;

static int fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errsize, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t u32(const reader *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const reader *r, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return r->swap ? __builtin_bswap16(v) : v;
}

/* Reads n bytes into r->buf at offset off (grown as needed, keeping what is before off).
 * 1 read, 0 clean end of file (nothing read), -1 error. */
static int read_at(reader *r, size_t off, size_t n, bool eof_ok)
{
    if (n > MAX_RECORD || off > MAX_RECORD)
        return fail(r, "record of %zu bytes: not a capture file, or a damaged one", n);
    if (off + n > r->cap) {
        uint8_t *b = realloc(r->buf, off + n);
        if (!b)
            return fail(r, "out of memory");
        r->buf = b;
        r->cap = off + n;
    }
    size_t got = fread(r->buf + off, 1, n, r->f);
    if (got == n)
        return 1;
    if (ferror(r->f))
        return fail(r, "read error: %s", strerror(errno));
    if (got == 0 && eof_ok)
        return 0;
    return fail(r, "the file ends in the middle of a record (truncated capture?)");
}

/* ---- libpcap ---- */

/* The file header (24 bytes) is in r->buf. */
static int read_pcap(reader *r)
{
    bool nano = u32(r, r->buf) == 0xa1b23c4d;
    uint32_t linktype = u32(r, r->buf + 20) & 0x0fffffff; /* the top bits carry FCS flags */
    for (;;) {
        int rc = read_at(r, 0, 16, true);
        if (rc <= 0)
            return rc;
        uint32_t sec = u32(r, r->buf), frac = u32(r, r->buf + 4), incl = u32(r, r->buf + 8);
        uint64_t t = (uint64_t)sec * 1000000u + (nano ? frac / 1000u : frac);
        if ((rc = read_at(r, 0, incl, false)) < 0)
            return rc;
        pcap_decode_frame(r->d, linktype, t, r->buf, incl);
    }
}

/* ---- pcapng ---- */

typedef struct iface {
    uint32_t linktype;
    uint64_t units_per_sec; /* if_tsresol; default microseconds */
} iface;

/* The interface's time resolution from its options (if_tsresol, code 9). */
static uint64_t tsresol(const reader *r, const uint8_t *opt, size_t len)
{
    while (len >= 4) {
        uint16_t code = u16(r, opt), olen = u16(r, opt + 2);
        size_t padded = 4 + (((size_t)olen + 3) & ~(size_t)3);
        if (code == 0 || padded > len)
            break;
        if (code == 9 && olen >= 1) {
            uint8_t v = opt[4];
            uint64_t units = 1;
            for (unsigned i = 0; i < (v & 0x7f) && units < 1000000000000000000u; i++)
                units *= (v & 0x80) ? 2 : 10;
            return units;
        }
        opt += padded;
        len -= padded;
    }
    return 1000000;
}

static uint64_t to_us(uint64_t ts, uint64_t units)
{
    if (units == 1000000)
        return ts;
    return units > 1000000 ? ts / (units / 1000000) : ts * (1000000 / units);
}

/* Blocks: type, total length, body, total length again. The first 12 bytes of the first block
 * are in r->buf. */
static int read_pcapng(reader *r)
{
    iface ifs[MAX_IFACES];
    size_t nifs = 0;
    for (;;) {
        const uint8_t *h = r->buf;
        if (h[0] == 0x0a && h[1] == 0x0d && h[2] == 0x0d && h[3] == 0x0a) {
            /* a section header: its byte-order magic says how the section is read */
            uint32_t bom;
            memcpy(&bom, h + 8, 4);
            if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a)
                return fail(r, "pcapng section with an unknown byte-order magic");
            r->swap = bom == 0x4d3c2b1a;
            nifs = 0; /* interface ids are per section */
        }
        uint32_t type = u32(r, h), total = u32(r, h + 4);
        if (total < 12 || total % 4)
            return fail(r, "pcapng block of length %u: damaged file", (unsigned)total);
        int rc = read_at(r, 12, total - 12, false);
        if (rc < 0)
            return rc;
        const uint8_t *b = r->buf + 8;
        size_t body = total - 12;
        if (type == 1 && body >= 8) { /* interface description */
            if (nifs == MAX_IFACES)
                return fail(r, "more than %d interfaces in one section", MAX_IFACES);
            ifs[nifs].linktype = u16(r, b);
            ifs[nifs].units_per_sec = tsresol(r, b + 8, body - 8);
            nifs++;
        } else if (type == 6 && body >= 20) { /* enhanced packet */
            uint32_t id = u32(r, b), caplen = u32(r, b + 12);
            if (id < nifs && caplen <= body - 20) {
                uint64_t ts = (uint64_t)u32(r, b + 4) << 32 | u32(r, b + 8);
                pcap_decode_frame(r->d, ifs[id].linktype, to_us(ts, ifs[id].units_per_sec), b + 20,
                                  caplen);
            }
        } else if (type == 3 && body >= 4 && nifs > 0) { /* simple packet: no time stamp */
            uint32_t len = u32(r, b);
            pcap_decode_frame(r->d, ifs[0].linktype, 0, b + 4, len < body - 4 ? len : body - 4);
        }
        rc = read_at(r, 0, 12, true);
        if (rc <= 0)
            return rc;
    }
}

int pcap_read_stream(FILE *f, pcap_read_cb cb, void *user, char *err, size_t errsize)
{
    pcap_decoder d = {cb, user, pcap_tcp_new(), pcap_frag_new(), 0};
    reader r = {f, &d, err, errsize, NULL, 0, false};
    int rc = -1;
    if (!d.tcp || !d.frag) {
        pcap_tcp_free(d.tcp);
        pcap_frag_free(d.frag);
        return fail(&r, "out of memory");
    }
    if (read_at(&r, 0, 12, false) <= 0) {
        fail(&r, "not a capture file (too short)");
    } else {
        uint32_t magic;
        memcpy(&magic, r.buf, 4);
        if (magic == 0x0a0d0d0a) {
            rc = read_pcapng(&r);
        } else if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d || magic == 0xd4c3b2a1 ||
                   magic == 0x4d3cb2a1) {
            r.swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
            if (read_at(&r, 12, 12, false) > 0)
                rc = read_pcap(&r);
        } else {
            fail(&r, "not a pcap or pcapng file");
        }
    }
    free(r.buf);
    pcap_tcp_free(d.tcp);
    pcap_frag_free(d.frag);
    return rc;
}

int pcap_read_file(const char *path, pcap_read_cb cb, void *user, char *err, size_t errsize)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        snprintf(err, errsize, "%s", strerror(errno));
        return -1;
    }
    int rc = pcap_read_stream(f, cb, user, err, errsize);
    if (f != stdin)
        fclose(f);
    return rc;
}
