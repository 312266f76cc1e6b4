/* Header names, compact forms and methods: lookup tables. */
#include "sip/hdr_line.h"

#include "core/str.h"

#define L SIP_HF_LIST
#define S SIP_HF_SINGLE

const sip_hdr_info sip_hdr_table[SIP_H_COUNT] = {
    [SIP_H_OTHER] = {NULL, 0, 0},
    [SIP_H_VIA] = {"Via", 'v', L},
    [SIP_H_FROM] = {"From", 'f', S},
    [SIP_H_TO] = {"To", 't', S},
    [SIP_H_CALL_ID] = {"Call-ID", 'i', S},
    [SIP_H_CSEQ] = {"CSeq", 0, S},
    [SIP_H_MAX_FORWARDS] = {"Max-Forwards", 0, S},
    [SIP_H_CONTACT] = {"Contact", 'm', L},
    [SIP_H_ROUTE] = {"Route", 0, L},
    [SIP_H_RECORD_ROUTE] = {"Record-Route", 0, L},
    [SIP_H_CONTENT_TYPE] = {"Content-Type", 'c', S},
    [SIP_H_CONTENT_LENGTH] = {"Content-Length", 'l', S},
    [SIP_H_ACCEPT] = {"Accept", 0, L},
    [SIP_H_ACCEPT_CONTACT] = {"Accept-Contact", 'a', L},
    [SIP_H_ACCEPT_ENCODING] = {"Accept-Encoding", 0, L},
    [SIP_H_ACCEPT_LANGUAGE] = {"Accept-Language", 0, L},
    [SIP_H_ALERT_INFO] = {"Alert-Info", 0, L},
    [SIP_H_ALLOW] = {"Allow", 0, L},
    [SIP_H_ALLOW_EVENTS] = {"Allow-Events", 'u', L},
    [SIP_H_AUTHENTICATION_INFO] = {"Authentication-Info", 0, 0},
    [SIP_H_AUTHORIZATION] = {"Authorization", 0, 0},
    [SIP_H_CALL_INFO] = {"Call-Info", 0, L},
    [SIP_H_CONTENT_DISPOSITION] = {"Content-Disposition", 0, 0},
    [SIP_H_CONTENT_ENCODING] = {"Content-Encoding", 'e', L},
    [SIP_H_CONTENT_LANGUAGE] = {"Content-Language", 0, L},
    [SIP_H_DATE] = {"Date", 0, 0},
    [SIP_H_ERROR_INFO] = {"Error-Info", 0, L},
    [SIP_H_EVENT] = {"Event", 'o', 0},
    [SIP_H_EXPIRES] = {"Expires", 0, 0},
    [SIP_H_IDENTITY] = {"Identity", 'y', 0},
    [SIP_H_IDENTITY_INFO] = {"Identity-Info", 'n', 0},
    [SIP_H_IN_REPLY_TO] = {"In-Reply-To", 0, L},
    [SIP_H_MIME_VERSION] = {"MIME-Version", 0, 0},
    [SIP_H_MIN_EXPIRES] = {"Min-Expires", 0, 0},
    [SIP_H_MIN_SE] = {"Min-SE", 0, 0},
    [SIP_H_ORGANIZATION] = {"Organization", 0, 0},
    [SIP_H_PATH] = {"Path", 0, L},
    [SIP_H_PRIORITY] = {"Priority", 0, 0},
    [SIP_H_PROXY_AUTHENTICATE] = {"Proxy-Authenticate", 0, 0},
    [SIP_H_PROXY_AUTHORIZATION] = {"Proxy-Authorization", 0, 0},
    [SIP_H_PROXY_REQUIRE] = {"Proxy-Require", 0, L},
    [SIP_H_RACK] = {"RAck", 0, 0},
    [SIP_H_REASON] = {"Reason", 0, L},
    [SIP_H_REFER_SUB] = {"Refer-Sub", 0, 0},
    [SIP_H_REFER_TO] = {"Refer-To", 'r', 0},
    [SIP_H_REFERRED_BY] = {"Referred-By", 'b', 0},
    [SIP_H_REJECT_CONTACT] = {"Reject-Contact", 'j', L},
    [SIP_H_REPLACES] = {"Replaces", 0, 0},
    [SIP_H_REPLY_TO] = {"Reply-To", 0, 0},
    [SIP_H_REQUEST_DISPOSITION] = {"Request-Disposition", 'd', L},
    [SIP_H_REQUIRE] = {"Require", 0, L},
    [SIP_H_RETRY_AFTER] = {"Retry-After", 0, 0},
    [SIP_H_RSEQ] = {"RSeq", 0, 0},
    [SIP_H_SERVER] = {"Server", 0, 0},
    [SIP_H_SERVICE_ROUTE] = {"Service-Route", 0, L},
    [SIP_H_SESSION_EXPIRES] = {"Session-Expires", 'x', 0},
    [SIP_H_SIP_ETAG] = {"SIP-ETag", 0, 0},
    [SIP_H_SIP_IF_MATCH] = {"SIP-If-Match", 0, 0},
    [SIP_H_SUBJECT] = {"Subject", 's', 0},
    [SIP_H_SUBSCRIPTION_STATE] = {"Subscription-State", 0, 0},
    [SIP_H_SUPPORTED] = {"Supported", 'k', L},
    [SIP_H_TIMESTAMP] = {"Timestamp", 0, 0},
    [SIP_H_UNSUPPORTED] = {"Unsupported", 0, L},
    [SIP_H_USER_AGENT] = {"User-Agent", 0, 0},
    [SIP_H_WARNING] = {"Warning", 0, L},
    [SIP_H_WWW_AUTHENTICATE] = {"WWW-Authenticate", 0, 0},
};

#undef L
#undef S

/* Open-addressed table from a hash of the lower-cased name to an id, built by a constructor
 * before main() and read-only afterwards. */
#define NAME_SLOTS 256u
static uint8_t name_slots[NAME_SLOTS];
static uint8_t name_len[SIP_H_COUNT];

static unsigned name_hash(const char *s, size_t n)
{
    unsigned h = SIP_HDR_HASH_INIT;
    for (size_t i = 0; i < n; i++)
        h = sip_hdr_hash_step(h, s[i]);
    return h;
}

/* The table's names in lower case, to compare with a folded input character by character. */
static char name_lower[SIP_H_COUNT][24];

/* The split loop's tables (hdr_line.h), filled with the others. */
sip_line_name sip_line_names[SIP_H_COUNT];
uint8_t sip_line_slots[SIP_LINE_SLOTS];
uint64_t sip_line_lenmask[SIP_LINE_MAX + 1];
uint64_t sip_line_mult;
uint8_t sip_compact_ids[128];

static void set_line_name(unsigned id, const char *n, size_t len)
{
    char word[16] = {0}, fold[16] = {0}, mask[16] = {0};
    for (size_t i = 0; i < len; i++) {
        bool letter = (n[i] | 0x20) >= 'a' && (n[i] | 0x20) <= 'z';
        word[i] = pl_tolower(n[i]);
        fold[i] = letter ? 0x20 : 0; /* '-' must match itself: CR | 0x20 would pass as '-' */
        mask[i] = (char)0xff;
    }
    sip_line_name *e = &sip_line_names[id];
    memcpy(e->word, word, 16); /* through bytes: the words compare alike on any byte order */
    memcpy(e->fold, fold, 16);
    memcpy(e->mask, mask, 16);
    e->len = (uint8_t)len;
}

/* Places the names with a multiplier; false (and the slots cleared) when two share a slot. */
static bool place_line_names(uint64_t mult)
{
    memset(sip_line_slots, 0, sizeof(sip_line_slots));
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const sip_line_name *e = &sip_line_names[id];
        if (!e->len)
            continue;
        uint64_t w0;
        memcpy(&w0, sip_hdr_table[id].name, e->len < 8 ? e->len : 8);
        if (e->len < 8)
            memset((char *)&w0 + e->len, 0, 8 - e->len);
        unsigned h = sip_line_hash(w0, e->len, mult);
        if (sip_line_slots[h]) {
            memset(sip_line_slots, 0, sizeof(sip_line_slots));
            return false;
        }
        sip_line_slots[h] = (uint8_t)id;
    }
    return true;
}

/*
 * A multiplier under which no two names share a slot, searched from a fixed start (the same
 * every run: a few hundred tries for today's names). Should none be found the names are placed
 * with linear probing, which sip_hdr_lookup_line follows as well.
 */
static void build_line_table(void)
{
    for (unsigned n = 0; n <= SIP_LINE_MAX; n++) {
        char mask[8] = {0};
        memset(mask, 0xff, n < 8 ? n : 8);
        memcpy(&sip_line_lenmask[n], mask, 8);
    }
    uint64_t mult = 0x9E3779B97F4A7C15ull;
    for (unsigned tries = 0; tries < 65536; tries++, mult += 0x632BE59BD9B4E019ull) {
        if (place_line_names(mult)) {
            sip_line_mult = mult;
            return;
        }
    }
    sip_line_mult = 0x9E3779B97F4A7C15ull;
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const sip_line_name *e = &sip_line_names[id];
        if (!e->len)
            continue;
        uint64_t w0 = 0;
        memcpy(&w0, sip_hdr_table[id].name, e->len < 8 ? e->len : 8);
        unsigned h = sip_line_hash(w0, e->len, sip_line_mult);
        while (sip_line_slots[h])
            h = (h + 1) % SIP_LINE_SLOTS;
        sip_line_slots[h] = (uint8_t)id;
    }
}

__attribute__((constructor)) static void build_name_table(void)
{
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const char *n = sip_hdr_table[id].name;
        name_len[id] = (uint8_t)strlen(n);
        for (size_t i = 0; i < name_len[id] && i + 1 < sizeof(name_lower[0]); i++)
            name_lower[id][i] = pl_tolower(n[i]);
        unsigned h = name_hash(n, name_len[id]) % NAME_SLOTS;
        while (name_slots[h])
            h = (h + 1) % NAME_SLOTS;
        name_slots[h] = (uint8_t)id;
        if (name_len[id] >= 2 && name_len[id] <= SIP_LINE_MAX)
            set_line_name(id, n, name_len[id]);
        char c = sip_hdr_table[id].compact;
        if (c) {
            sip_compact_ids[(unsigned char)c] = (uint8_t)id;
            sip_compact_ids[(unsigned char)(c - 32)] = (uint8_t)id;
        }
    }
    build_line_table();
}

sip_hdr_id sip_hdr_lookup_hashed(const char *name, size_t len, unsigned hash)
{
    if (len == 1)
        return (unsigned char)name[0] < 128 ? (sip_hdr_id)sip_compact_ids[(unsigned char)name[0]]
                                            : SIP_H_OTHER;
    unsigned h = hash % NAME_SLOTS;
    while (name_slots[h]) {
        unsigned id = name_slots[h];
        if (name_len[id] == len) {
            const char *want = name_lower[id];
            size_t i = 0;
            while (i < len && pl_tolower(name[i]) == want[i])
                i++;
            if (i == len)
                return (sip_hdr_id)id;
        }
        h = (h + 1) % NAME_SLOTS;
    }
    return SIP_H_OTHER;
}

sip_hdr_id sip_hdr_lookup(const char *name, size_t len)
{
    return sip_hdr_lookup_hashed(name, len, len == 1 ? 0 : name_hash(name, len));
}

static const char *const method_names[SIP_METHOD_COUNT] = {
    [SIP_METHOD_OTHER] = NULL,          [SIP_METHOD_INVITE] = "INVITE",
    [SIP_METHOD_ACK] = "ACK",           [SIP_METHOD_BYE] = "BYE",
    [SIP_METHOD_CANCEL] = "CANCEL",     [SIP_METHOD_OPTIONS] = "OPTIONS",
    [SIP_METHOD_REGISTER] = "REGISTER", [SIP_METHOD_MESSAGE] = "MESSAGE",
    [SIP_METHOD_INFO] = "INFO",         [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_NOTIFY] = "NOTIFY",     [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_UPDATE] = "UPDATE",     [SIP_METHOD_PRACK] = "PRACK",
    [SIP_METHOD_PUBLISH] = "PUBLISH",   [SIP_METHOD_BENOTIFY] = "BENOTIFY",
    [SIP_METHOD_SERVICE] = "SERVICE",
};

/* s.p[0..n-1] is lit (n constant: compiled to a few word compares) */
#define IS(lit) (memcmp(s.p, lit, sizeof(lit) - 1) == 0)

sip_method sip_method_from_str(pl_str s)
{
    /* methods are case-sensitive (RFC 3261 §7.1); the length picks the candidates (a test keeps
     * this in step with method_names) */
    switch (s.len) {
    case 3:
        return IS("ACK") ? SIP_METHOD_ACK : IS("BYE") ? SIP_METHOD_BYE : SIP_METHOD_OTHER;
    case 4:
        return IS("INFO") ? SIP_METHOD_INFO : SIP_METHOD_OTHER;
    case 5:
        return IS("REFER") ? SIP_METHOD_REFER : IS("PRACK") ? SIP_METHOD_PRACK : SIP_METHOD_OTHER;
    case 6:
        return IS("INVITE")   ? SIP_METHOD_INVITE
               : IS("CANCEL") ? SIP_METHOD_CANCEL
               : IS("NOTIFY") ? SIP_METHOD_NOTIFY
               : IS("UPDATE") ? SIP_METHOD_UPDATE
                              : SIP_METHOD_OTHER;
    case 7:
        return IS("OPTIONS")   ? SIP_METHOD_OPTIONS
               : IS("MESSAGE") ? SIP_METHOD_MESSAGE
               : IS("PUBLISH") ? SIP_METHOD_PUBLISH
               : IS("SERVICE") ? SIP_METHOD_SERVICE
                               : SIP_METHOD_OTHER;
    case 8:
        return IS("REGISTER")   ? SIP_METHOD_REGISTER
               : IS("BENOTIFY") ? SIP_METHOD_BENOTIFY
                                : SIP_METHOD_OTHER;
    case 9:
        return IS("SUBSCRIBE") ? SIP_METHOD_SUBSCRIBE : SIP_METHOD_OTHER;
    default:
        return SIP_METHOD_OTHER;
    }
}

#undef IS

const char *sip_method_name(sip_method m)
{
    return (unsigned)m < SIP_METHOD_COUNT ? method_names[m] : NULL;
}

const sip_hdr *sip_hdr_find(const sip_msg *m, pl_str name, size_t nth)
{
    sip_hdr_id id = sip_hdr_lookup(name.p, name.len);
    if (id != SIP_H_OTHER) {
        for (const sip_hdr *h = sip_hdr_first(m, id); h; h = sip_hdr_next(m, h))
            if (nth-- == 0)
                return h;
        return NULL;
    }
    for (uint16_t i = 0; i < m->nhdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        if (h->id == SIP_H_OTHER && pl_str_casecmp_eq(h->name, name) && nth-- == 0)
            return h;
    }
    return NULL;
}

bool sip_delta_seconds(pl_str v, unsigned *out)
{
    uint64_t n;
    if (!pl_str_to_u64(pl_str_trim(v), UINT32_MAX, &n))
        return false;
    *out = (unsigned)n;
    return true;
}

bool sip_hdr_uint(const sip_msg *m, sip_hdr_id id, unsigned *out)
{
    const sip_hdr *h = sip_hdr_first(m, id);
    return h && sip_delta_seconds(h->value, out);
}
