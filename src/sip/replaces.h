/* The Replaces header (RFC 3891 §6.1): the dialog an INVITE replaces. */
#ifndef SIP_REPLACES_H
#define SIP_REPLACES_H

#include <stdbool.h>

#include "core/str.h"

/* A parsed Replaces value: slices of the value it was parsed from. */
typedef struct sip_replaces {
    pl_str call_id;
    pl_str to_tag;   /* the tag of the dialog's To: our local tag, when we are the UAS */
    pl_str from_tag; /* the tag of its From: the peer's, when we are the UAS */
    bool early_only; /* replace only an early dialog (§7.1's race) */
} sip_replaces;

/*
 * Replaces = callid *( SEMI replaces-param ), replaces-param = to-tag / from-tag / early-flag /
 * generic-param. Exactly one to-tag and one from-tag, each a non-empty token; early-only
 * without a value; other parameters are skipped. Returns false for anything else (the
 * INVITE then gets 400).
 */
bool sip_replaces_parse(pl_str value, sip_replaces *out);

#endif
