/* Transport addresses as the trace events and capture files carry them: "127.0.0.1:5060" or
 * "[::1]:5060" text, and the binary form a packet header holds. */
#ifndef PARLEY_CLI_WIRE_ADDR_H
#define PARLEY_CLI_WIRE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wire_addr {
    int family; /* 4 or 6; 0 when the text could not be read */
    uint8_t ip[16];
    uint16_t port;
} wire_addr;

/* Reads "a.b.c.d:port" or "[v6]:port"; false (and family 0) otherwise. */
bool wire_addr_parse(const char *s, wire_addr *a);
/* Writes the text form into out (at least 64 bytes for any address); returns out. */
char *wire_addr_str(const wire_addr *a, char *out, size_t size);
/* Same family, address and port. */
bool wire_addr_eq(const wire_addr *a, const wire_addr *b);
/* The wildcard address or port 0 (a socket not yet bound to one address). */
bool wire_addr_vague(const wire_addr *a);
/* Equal, or one of them vague with the port (when known) matching. */
bool wire_addr_match(const wire_addr *a, const wire_addr *b);

#endif
