/*
 * The message parser on well-formed input (src/sip/parse.c, hdr_parse.c, hdr.c, msg_api.c):
 * start lines, each eagerly parsed header with its parameter forms, compact and case-insensitive
 * names, folding, the tolerances listed at the top of parse.c, bodies and Content-Length, the
 * on-demand header access and the public read-only API. Faults and limits: test_parse_faults.c.
 */
#include "msg_build.h"

#include "core/alloc.h"
#include "sip/parse_int.h"
#include "sip/uri.h"

static sip_msg *valid(const mb_parts *p)
{
    int rc;
    sip_msg *m = mb_parse(p, &rc);
    mb_assert_valid(m, rc);
    return m;
}
#define VALID(...) valid(&(mb_parts){__VA_ARGS__})

static char *json_of(const sip_msg *m)
{
    return tu_json(m, m->err.code);
}

/* ---- start lines ---- */

static void test_request_line(void **state)
{
    (void)state;
    sip_msg *m = VALID(0);
    assert_true(m->is_request);
    assert_slice_equal(m->method, "INVITE");
    assert_int_equal(m->method_id, SIP_METHOD_INVITE);
    assert_slice_equal(m->version, "SIP/2.0");
    assert_slice_equal(m->ruri.raw, "sip:bob@example.com");
    assert_int_equal(m->ruri.kind, SIP_URI_SIP);
    assert_slice_equal(m->ruri.user, "bob");
    assert_slice_equal(m->ruri.host, "example.com");
    assert_int_equal(m->status, 0);
    assert_int_equal(m->reason.len, 0);
    sip_msg_free(m);
}

static void test_every_known_method(void **state)
{
    (void)state;
    for (unsigned id = 1; id < SIP_METHOD_COUNT; id++) {
        const char *name = sip_method_name((sip_method)id);
        assert_non_null(name);
        char start[128], cseq[64];
        snprintf(start, sizeof(start), "%s sip:bob@example.com SIP/2.0", name);
        snprintf(cseq, sizeof(cseq), "CSeq: 42 %s", name);
        sip_msg *m = VALID(.start = start, .cseq = cseq);
        assert_slice_equal(m->method, name);
        assert_int_equal(m->method_id, id);
        assert_int_equal(m->cseq.method_id, id);
        assert_int_equal(m->cseq.num, 42);
        sip_msg_free(m);
    }
    assert_null(sip_method_name(SIP_METHOD_OTHER));
    assert_null(sip_method_name(SIP_METHOD_COUNT));
    assert_null(sip_method_name((sip_method)1000));
}

static void test_extension_and_case_sensitive_methods(void **state)
{
    (void)state;
    /* any token is a method; methods are case-sensitive (RFC 3261 §7.1) */
    sip_msg *m = VALID(.start = "NEW-METHOD.x!%*_+`'~ sip:b@h SIP/2.0",
                       .cseq = "CSeq: 1 NEW-METHOD.x!%*_+`'~");
    assert_slice_equal(m->method, "NEW-METHOD.x!%*_+`'~");
    assert_int_equal(m->method_id, SIP_METHOD_OTHER);
    sip_msg_free(m);
    m = VALID(.start = "invite sip:b@h SIP/2.0", .cseq = "CSeq: 1 invite");
    assert_int_equal(m->method_id, SIP_METHOD_OTHER);
    assert_slice_equal(m->method, "invite");
    sip_msg_free(m);
    assert_int_equal(sip_method_from_str(PL_STR_LIT("Invite")), SIP_METHOD_OTHER);
    assert_int_equal(sip_method_from_str(PL_STR_LIT("INVITEX")), SIP_METHOD_OTHER);
    assert_int_equal(sip_method_from_str(PL_STR_LIT("")), SIP_METHOD_OTHER);
    assert_int_equal(sip_method_from_str(PL_STR_LIT("BYE")), SIP_METHOD_BYE);
}

static void test_request_uri_forms(void **state)
{
    (void)state;
    sip_msg *m = VALID(.start = "INVITE sips:bob@[2001:db8::1]:5061;transport=tls SIP/2.0");
    assert_int_equal(m->ruri.kind, SIP_URI_SIPS);
    assert_slice_equal(m->ruri.host, "2001:db8::1");
    assert_int_equal(m->ruri.port, 5061);
    assert_slice_equal(m->ruri.transport, "tls");
    sip_msg_free(m);
    m = VALID(.start = "INVITE tel:+1-201-555-0123 SIP/2.0");
    assert_int_equal(m->ruri.kind, SIP_URI_TEL);
    sip_msg_free(m);
    /* other schemes are accepted as opaque URIs, '?' included (RFC 4475 unkscm, novelsc) */
    m = VALID(.start = "OPTIONS urn:service:sos?x=y SIP/2.0", .cseq = "CSeq: 1 OPTIONS");
    assert_int_equal(m->ruri.kind, SIP_URI_OTHER);
    assert_slice_equal(m->ruri.raw, "urn:service:sos?x=y");
    sip_msg_free(m);
}

static void test_status_line(void **state)
{
    (void)state;
    sip_msg *m = VALID(.start = "SIP/2.0 200 OK");
    assert_false(m->is_request);
    assert_int_equal(m->status, 200);
    assert_slice_equal(m->reason, "OK");
    assert_slice_equal(m->version, "SIP/2.0");
    assert_int_equal(m->method.len, 0);
    assert_int_equal(m->method_id, SIP_METHOD_OTHER);
    sip_msg_free(m);
    /* reason phrases keep their spaces and any UTF-8 */
    m = VALID(.start = "SIP/2.0 481 Call/Transaction  Does Not Exist ");
    assert_int_equal(m->status, 481);
    assert_slice_equal(m->reason, "Call/Transaction  Does Not Exist ");
    sip_msg_free(m);
    m = VALID(.start = "SIP/2.0 603 D\xc3\xa9"
                       "clin\xc3\xa9");
    assert_slice_equal(m->reason, "D\xc3\xa9"
                                  "clin\xc3\xa9");
    sip_msg_free(m);
    /* empty reason, with and (tolerated) without the SP */
    m = VALID(.start = "SIP/2.0 100 ");
    assert_int_equal(m->status, 100);
    assert_int_equal(m->reason.len, 0);
    assert_true(pl_str_set(m->reason));
    sip_msg_free(m);
    m = VALID(.start = "SIP/2.0 180");
    assert_int_equal(m->status, 180);
    assert_int_equal(m->reason.len, 0);
    sip_msg_free(m);
    /* the whole 100-699 range, and CSeq methods need not match in responses */
    static const unsigned codes[] = {100, 199, 200, 299, 300, 399, 400, 499, 500, 599, 600, 699};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char start[64];
        snprintf(start, sizeof(start), "SIP/2.0 %u Whatever", codes[i]);
        m = VALID(.start = start, .cseq = "CSeq: 7 BYE");
        assert_int_equal(m->status, codes[i]);
        sip_msg_free(m);
    }
}

static void test_versions(void **state)
{
    (void)state;
    /* "SIP" is case-insensitive (RFC 3261 §7.1) */
    sip_msg *m = VALID(.start = "INVITE sip:bob@example.com sip/2.0");
    assert_slice_equal(m->version, "sip/2.0");
    sip_msg_free(m);
    m = VALID(.start = "sip/2.0 200 OK");
    assert_false(m->is_request);
    assert_int_equal(m->status, 200);
    sip_msg_free(m);
    m = VALID(.start = "Sip/2.0 200 OK");
    assert_false(m->is_request);
    sip_msg_free(m);
}

/* ---- Via ---- */

static void test_via_all_params(void **state)
{
    (void)state;
    sip_msg *m = VALID(.via = "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK776asdhds;"
                              "received=198.51.100.7;rport=5071;maddr=224.0.1.75;ttl=16;"
                              "x-generic;alias;q=\"a,b;c\"");
    const sip_via *v = m->via;
    assert_non_null(v);
    assert_null(v->next);
    assert_int_equal(m->nvia, 1);
    assert_slice_equal(v->protocol, "SIP");
    assert_slice_equal(v->version, "2.0");
    assert_slice_equal(v->transport, "UDP");
    assert_slice_equal(v->host, "192.0.2.1");
    assert_int_equal(v->host_type, SIP_HOST_IPV4);
    assert_int_equal(v->port, 5070);
    assert_slice_equal(v->branch, "z9hG4bK776asdhds");
    assert_slice_equal(v->received, "198.51.100.7");
    assert_true(v->has_rport);
    assert_slice_equal(v->rport, "5071");
    assert_slice_equal(v->maddr, "224.0.1.75");
    assert_slice_equal(v->ttl, "16");
    assert_slice_equal(v->params, "branch=z9hG4bK776asdhds;received=198.51.100.7;rport=5071;"
                                  "maddr=224.0.1.75;ttl=16;x-generic;alias;q=\"a,b;c\"");
    assert_slice_equal(v->raw, "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK776asdhds;"
                               "received=198.51.100.7;rport=5071;maddr=224.0.1.75;ttl=16;"
                               "x-generic;alias;q=\"a,b;c\"");
    pl_str q;
    assert_true(sip_param_find(v->params, "q", &q));
    assert_slice_equal(q, "\"a,b;c\"");
    assert_true(sip_param_find(v->params, "alias", NULL));
    sip_msg_free(m);
}

static void test_via_rport(void **state)
{
    (void)state;
    /* RFC 3581: bare rport in requests, valued in responses */
    sip_msg *m = VALID(.via = "Via: SIP/2.0/UDP h.example.com;rport;branch=z9hG4bKr");
    assert_true(m->via->has_rport);
    assert_true(pl_str_set(m->via->rport));
    assert_int_equal(m->via->rport.len, 0);
    assert_slice_equal(m->via->branch, "z9hG4bKr");
    assert_int_equal(m->via->port, 0);
    assert_int_equal(m->via->host_type, SIP_HOST_NAME);
    sip_msg_free(m);
    m = VALID(.via = "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKr;RPORT=65535");
    assert_true(m->via->has_rport);
    assert_slice_equal(m->via->rport, "65535");
    sip_msg_free(m);
    m = VALID(0);
    assert_false(m->via->has_rport);
    assert_false(pl_str_set(m->via->rport));
    assert_false(pl_str_set(m->via->received));
    assert_false(pl_str_set(m->via->maddr));
    assert_false(pl_str_set(m->via->ttl));
    sip_msg_free(m);
}

static void test_via_received_ipv6_and_hosts(void **state)
{
    (void)state;
    sip_msg *m = VALID(.via = "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];"
                              "branch=z9hG4bKv6");
    assert_slice_equal(m->via->host, "2001:db8::9:1");
    assert_int_equal(m->via->host_type, SIP_HOST_IPV6);
    assert_int_equal(m->via->port, 5070);
    assert_slice_equal(m->via->received, "[2001:db8::9:255]"); /* RFC 5118 §4.5 tolerance */
    sip_msg_free(m);
    m = VALID(.via = "Via: SIP/2.0/UDP [::1];received=2001:db8::9:255;branch=z9hG4bKv6");
    assert_slice_equal(m->via->host, "::1");
    assert_int_equal(m->via->port, 0);
    assert_slice_equal(m->via->received, "2001:db8::9:255");
    assert_slice_equal(m->via->branch, "z9hG4bKv6");
    sip_msg_free(m);
    m = VALID(.via = "Via: SIP/2.0/TCP my_host.example.com:1;maddr=[2001:db8::1];branch=z9");
    assert_slice_equal(m->via->host, "my_host.example.com");
    assert_int_equal(m->via->port, 1);
    assert_slice_equal(m->via->maddr, "[2001:db8::1]");
    sip_msg_free(m);
    m = VALID(.via = "Via: SIP/2.0/UDP 192.0.2.1:65535;branch=z9");
    assert_int_equal(m->via->port, 65535);
    sip_msg_free(m);
    /* RFC 5118 §4.10's three colons are tolerated in every IPv6 reference */
    m = VALID(.via = "Via: SIP/2.0/UDP [2001:db8:::192.0.2.1];received=[2001:db8:::192.0.2.2]");
    assert_slice_equal(m->via->host, "2001:db8:::192.0.2.1");
    assert_int_equal(m->via->host_type, SIP_HOST_IPV6);
    assert_slice_equal(m->via->received, "[2001:db8:::192.0.2.2]");
    sip_msg_free(m);
    /* no branch at all (RFC 2543 peers) is well-formed */
    m = VALID(.via = "Via: SIP/2.0/UDP 192.0.2.1");
    assert_false(pl_str_set(m->via->branch));
    assert_int_equal(m->via->params.len, 0);
    sip_msg_free(m);
}

static void test_via_lws(void **state)
{
    (void)state;
    /* SLASH, COLON and SEMI allow whitespace on both sides, folded lines included */
    sip_msg *m = VALID(.via = "Via: SIP / 2.0 / UDP   h.example.com : 5060 ; branch = z9hG4bKw ;"
                              "\r\n rport");
    const sip_via *v = m->via;
    assert_slice_equal(v->protocol, "SIP");
    assert_slice_equal(v->version, "2.0");
    assert_slice_equal(v->transport, "UDP");
    assert_slice_equal(v->host, "h.example.com");
    assert_int_equal(v->port, 5060);
    assert_slice_equal(v->branch, "z9hG4bKw");
    assert_true(v->has_rport);
    sip_msg_free(m);
    m = VALID(.via = "Via:\tSIP/2.0/TLS\r\n\th.example.com;branch=z9hG4bKt");
    assert_slice_equal(m->via->transport, "TLS");
    assert_slice_equal(m->via->host, "h.example.com");
    sip_msg_free(m);
}

static void test_via_lists(void **state)
{
    (void)state;
    sip_msg *m = VALID(.via = "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 ,SIP/2.0/TCP "
                              "b.example.com:5070;branch=z9hG4bK2,\r\n SIP/2.0/TLS "
                              "[2001:db8::1]:5061;branch=z9hG4bK3",
                       .extra = "v: SIP/2.0/SCTP c.example.com;branch=z9hG4bK4\r\n"
                                "VIA: SIP/2.0/WS d.example.com;branch=z9hG4bK5, "
                                "SIP/2.0/WSS e.example.com;branch=z9hG4bK6\r\n");
    static const char *const hosts[] = {"a.example.com", "b.example.com", "2001:db8::1",
                                        "c.example.com", "d.example.com", "e.example.com"};
    static const char *const transports[] = {"UDP", "TCP", "TLS", "SCTP", "WS", "WSS"};
    static const unsigned ports[] = {0, 5070, 5061, 0, 0, 0};
    assert_int_equal(m->nvia, 6);
    size_t i = 0;
    for (const sip_via *v = m->via; v; v = v->next, i++) {
        assert_true(i < 6);
        assert_slice_equal(v->host, hosts[i]);
        assert_slice_equal(v->transport, transports[i]);
        assert_int_equal(v->port, ports[i]);
        char branch[16];
        snprintf(branch, sizeof(branch), "z9hG4bK%zu", i + 1);
        assert_slice_equal(v->branch, branch);
    }
    assert_int_equal(i, 6);
    /* three header fields, linked by id in wire order */
    const sip_hdr *h = sip_hdr_first(m, SIP_H_VIA);
    assert_slice_equal(h->name, "Via");
    h = sip_hdr_next(m, h);
    assert_slice_equal(h->name, "v");
    h = sip_hdr_next(m, h);
    assert_slice_equal(h->name, "VIA");
    assert_null(sip_hdr_next(m, h));
    sip_msg_free(m);
}

/* ---- From / To ---- */

static void test_name_addr_quoted_display(void **state)
{
    (void)state;
    sip_msg *m = VALID(.from = "From: \"Alice \\\"Al\\\" O'Neil \\\\ <x>\" "
                               "<sip:alice@example.com>;tag=1928301774");
    const sip_naddr *f = m->from;
    assert_slice_equal(f->display, "\"Alice \\\"Al\\\" O'Neil \\\\ <x>\"");
    assert_true(f->bracketed);
    assert_slice_equal(f->uri.raw, "sip:alice@example.com");
    assert_slice_equal(f->tag, "1928301774");
    assert_slice_equal(f->params, "tag=1928301774");
    assert_slice_equal(f->raw, "\"Alice \\\"Al\\\" O'Neil \\\\ <x>\" "
                               "<sip:alice@example.com>;tag=1928301774");
    char *j = json_of(m);
    assert_non_null(strstr(j, "\"from\":{\"display\":\"Alice \\\"Al\\\" O'Neil \\\\ <x>\","
                              "\"uri\":\"sip:alice@example.com\",\"tag\":\"1928301774\"}"));
    free(j);
    sip_msg_free(m);
    /* empty quoted display, UTF-8, quoted-pair of a control character */
    m = VALID(.from = "From: \"\" <sip:a@h>;tag=x", .to = "To: \"J\xc3\xb6rg\\\x01\" <sip:j@h>");
    assert_slice_equal(m->from->display, "\"\"");
    assert_slice_equal(m->to->display, "\"J\xc3\xb6rg\\\x01\"");
    sip_msg_free(m);
}

static void test_name_addr_token_display(void **state)
{
    (void)state;
    sip_msg *m =
        VALID(.from = "From: Alice  Smith\t<sip:alice@h>;tag=t1", .to = "To:Bob<sip:bob@h>");
    assert_slice_equal(m->from->display, "Alice  Smith");
    assert_slice_equal(m->to->display, "Bob");
    assert_slice_equal(m->to->uri.raw, "sip:bob@h");
    assert_true(m->to->bracketed);
    sip_msg_free(m);
    m = VALID(.from = "From: A.B-C_D!E%F*G+H`I'J~K <sip:a@h>;tag=t");
    assert_slice_equal(m->from->display, "A.B-C_D!E%F*G+H`I'J~K");
    sip_msg_free(m);
    /* a display name made of a scheme-like token */
    m = VALID(.from = "From: sip <sip:a@h>;tag=t");
    assert_slice_equal(m->from->display, "sip");
    assert_slice_equal(m->from->uri.raw, "sip:a@h");
    sip_msg_free(m);
    /* no display name */
    m = VALID(0);
    assert_int_equal(m->from->display.len, 0);
    assert_int_equal(m->to->display.len, 0);
    sip_msg_free(m);
}

static void test_addr_spec_params_belong_to_header(void **state)
{
    (void)state;
    /* RFC 3261 §20.10: without <>, parameters after the URI are header parameters */
    sip_msg *m = VALID(.from = "From: sip:alice@h;transport=tcp;tag=4", .to = "To: sip:bob@h");
    assert_false(m->from->bracketed);
    assert_slice_equal(m->from->uri.raw, "sip:alice@h");
    assert_false(pl_str_set(m->from->uri.transport));
    assert_int_equal(m->from->uri.params.len, 0);
    assert_slice_equal(m->from->params, "transport=tcp;tag=4");
    assert_slice_equal(m->from->tag, "4");
    assert_slice_equal(m->to->uri.raw, "sip:bob@h");
    assert_false(pl_str_set(m->to->tag));
    sip_msg_free(m);
    /* inside <> they are URI parameters */
    m = VALID(.from = "From: <sip:alice@h;transport=tcp;tag=9>;tag=4");
    assert_slice_equal(m->from->uri.transport, "tcp");
    assert_slice_equal(m->from->uri.params, "transport=tcp;tag=9");
    assert_slice_equal(m->from->tag, "4");
    sip_msg_free(m);
}

static void test_naddr_params(void **state)
{
    (void)state;
    sip_msg *m = VALID(.from = "From: <sip:a@h>;TAG=AbC;epid=0123abcd;x=\"q;r\";flag ; y = z",
                       .start = "SIP/2.0 200 OK", .to = "To: <tel:+1-201-555-0123>;tag=\"quoted\"");
    const sip_naddr *f = m->from;
    assert_slice_equal(f->tag, "AbC");
    assert_slice_equal(f->epid, "0123abcd");
    assert_slice_equal(f->params, "TAG=AbC;epid=0123abcd;x=\"q;r\";flag ; y = z");
    pl_str v;
    assert_true(sip_param_find(f->params, "y", &v));
    assert_slice_equal(v, "z");
    assert_true(sip_param_find(f->params, "flag", &v));
    assert_int_equal(v.len, 0);
    assert_int_equal(m->to->uri.kind, SIP_URI_TEL);
    assert_slice_equal(m->to->tag, "\"quoted\""); /* raw, quotes kept */
    sip_msg_free(m);
    /* the last of repeated parameters is the one noted */
    m = VALID(.from = "From: <sip:a@h>;tag=1;tag=2");
    assert_slice_equal(m->from->tag, "2");
    sip_msg_free(m);
}

static void test_name_addr_other_uris(void **state)
{
    (void)state;
    sip_msg *m = VALID(.to = "To: <mailto:bob@example.com>",
                       .from = "From: \"A\" <sips:a@[2001:db8::2]:5061>;tag=z");
    assert_int_equal(m->to->uri.kind, SIP_URI_OTHER);
    assert_int_equal(m->from->uri.kind, SIP_URI_SIPS);
    assert_slice_equal(m->from->uri.host, "2001:db8::2");
    assert_int_equal(m->from->uri.port, 5061);
    sip_msg_free(m);
}

/* ---- Contact ---- */

static void test_contact_list(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Contact: \"Doe, John\" <sip:jd@h;transport=tcp>;q=0.7;"
                                "expires=3600, <sip:a,b@h>;p=\"x,y\" ,sip:c@h;q=1\r\n"
                                "m: <sip:d@[2001:db8::1]:5070>;+sip.instance=\"<urn:uuid:1>\"\r\n");
    const sip_naddr *c = m->contact;
    assert_slice_equal(c->display, "\"Doe, John\"");
    assert_slice_equal(c->uri.raw, "sip:jd@h;transport=tcp");
    assert_slice_equal(c->q, "0.7");
    assert_slice_equal(c->expires, "3600");
    c = c->next;
    assert_slice_equal(c->uri.user, "a,b"); /* ',' inside <> is part of the URI */
    assert_slice_equal(c->params, "p=\"x,y\"");
    c = c->next;
    assert_false(c->bracketed);
    assert_slice_equal(c->uri.raw, "sip:c@h");
    assert_slice_equal(c->q, "1");
    assert_false(pl_str_set(c->expires));
    c = c->next;
    assert_slice_equal(c->uri.host, "2001:db8::1");
    assert_int_equal(c->uri.port, 5070);
    pl_str inst;
    assert_true(sip_param_find(c->params, "+sip.instance", &inst));
    assert_slice_equal(inst, "\"<urn:uuid:1>\"");
    assert_null(c->next);
    assert_false(m->contact_star);
    char *j = json_of(m);
    assert_non_null(strstr(j, "\"contact\":[\"sip:jd@h;transport=tcp\",\"sip:a,b@h\","
                              "\"sip:c@h\",\"sip:d@[2001:db8::1]:5070\"]"));
    free(j);
    sip_msg_free(m);
}

static void test_contact_star(void **state)
{
    (void)state;
    sip_msg *m = VALID(.start = "REGISTER sip:example.com SIP/2.0", .cseq = "CSeq: 2 REGISTER",
                       .extra = "Contact:  *  \r\nExpires: 0\r\n");
    assert_true(m->contact_star);
    assert_null(m->contact);
    char *j = json_of(m);
    assert_non_null(strstr(j, "\"contact\":[\"*\"]"));
    free(j);
    sip_msg_free(m);
}

static void test_contact_addr_spec_list(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Contact: sip:a@h;expires=5, tel:+1234;q=0.5,mailto:x@y\r\n");
    const sip_naddr *c = m->contact;
    assert_slice_equal(c->uri.raw, "sip:a@h");
    assert_slice_equal(c->expires, "5");
    assert_slice_equal(c->next->uri.raw, "tel:+1234");
    assert_slice_equal(c->next->q, "0.5");
    assert_slice_equal(c->next->next->uri.raw, "mailto:x@y");
    assert_null(c->next->next->next);
    sip_msg_free(m);
}

/* ---- Route / Record-Route ---- */

static void test_route_lists(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                                "Record-Route: <sip:rr1.example.com;lr;transport=tcp>\r\n"
                                "route: \"Proxy 3\" <sip:p3.example.com>;x=1\r\n"
                                "Record-Route: <sip:[2001:db8::1]:5070;lr>,<sip:rr3@h>\r\n");
    static const char *const routes[] = {"sip:p1.example.com;lr", "sip:p2.example.com;lr",
                                         "sip:p3.example.com"};
    size_t i = 0;
    for (const sip_naddr *r = m->route; r; r = r->next, i++) {
        assert_true(i < 3);
        assert_slice_equal(r->uri.raw, routes[i]);
        assert_int_equal(r->uri.lr, i < 2);
    }
    assert_int_equal(i, 3);
    const sip_naddr *rr = m->record_route;
    assert_slice_equal(rr->uri.host, "rr1.example.com");
    assert_slice_equal(rr->uri.transport, "tcp");
    assert_true(rr->uri.lr);
    assert_slice_equal(rr->next->uri.host, "2001:db8::1");
    assert_int_equal(rr->next->uri.port, 5070);
    assert_slice_equal(rr->next->next->uri.raw, "sip:rr3@h");
    assert_null(rr->next->next->next);
    assert_slice_equal(m->route->next->next->display, "\"Proxy 3\"");
    sip_msg_free(m);
}

/* ---- Call-ID, CSeq, Max-Forwards ---- */

static void test_call_id(void **state)
{
    (void)state;
    sip_msg *m = VALID(.call_id = "Call-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com");
    assert_slice_equal(m->call_id, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com");
    sip_msg_free(m);
    /* every word character, on both sides of the '@' */
    m = VALID(.call_id = "i: a-.!%*_+`'~()<>:\\\"/[]?{}@a-.!%*_+`'~()<>:\\\"/[]?{}");
    assert_slice_equal(m->call_id, "a-.!%*_+`'~()<>:\\\"/[]?{}@a-.!%*_+`'~()<>:\\\"/[]?{}");
    sip_msg_free(m);
    m = VALID(.call_id = "Call-ID:\r\n  abc  ");
    assert_slice_equal(m->call_id, "abc");
    sip_msg_free(m);
}

static void test_cseq(void **state)
{
    (void)state;
    sip_msg *m = VALID(.cseq = "CSeq: 314159 INVITE");
    assert_true(m->has_cseq);
    assert_int_equal(m->cseq.num, 314159);
    assert_slice_equal(m->cseq.method, "INVITE");
    assert_int_equal(m->cseq.method_id, SIP_METHOD_INVITE);
    sip_msg_free(m);
    m = VALID(.cseq = "CSeq: 0 INVITE");
    assert_int_equal(m->cseq.num, 0);
    sip_msg_free(m);
    /* judgment: any 32-bit number (RFC 3261 asks senders to stay below 2^31) */
    m = VALID(.cseq = "CSeq: 4294967295 INVITE");
    assert_true(m->cseq.num == 4294967295u);
    sip_msg_free(m);
    m = VALID(.cseq = "cseq:\t0007\r\n   INVITE  ");
    assert_int_equal(m->cseq.num, 7);
    assert_slice_equal(m->cseq.method, "INVITE");
    sip_msg_free(m);
    m = VALID(.start = "SIP/2.0 200 OK", .cseq = "CSeq: 5 FOO");
    assert_slice_equal(m->cseq.method, "FOO");
    assert_int_equal(m->cseq.method_id, SIP_METHOD_OTHER);
    sip_msg_free(m);
}

static void test_max_forwards(void **state)
{
    (void)state;
    sip_msg *m = VALID(.max_forwards = "Max-Forwards: 0");
    assert_int_equal(m->max_forwards, 0);
    sip_msg_free(m);
    m = VALID(.max_forwards = "Max-Forwards: 255");
    assert_int_equal(m->max_forwards, 255);
    sip_msg_free(m);
    m = VALID(.max_forwards = "max-forwards: 070");
    assert_int_equal(m->max_forwards, 70);
    sip_msg_free(m);
    /* judgment: Max-Forwards is not required (RFC 2543 requests lack it; RFC 4475 inv2543) */
    m = VALID(.max_forwards = "");
    assert_int_equal(m->max_forwards, -1);
    char *j = json_of(m);
    assert_null(strstr(j, "max_forwards"));
    free(j);
    sip_msg_free(m);
}

/* ---- Content-Type, Content-Length, body ---- */

static void test_content_type(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Content-Type: multipart/mixed ; boundary=\"unique boundary\";"
                                "x=1\r\n",
                       .body = "--unique boundary--\r\n");
    assert_slice_equal(m->ctype.type, "multipart");
    assert_slice_equal(m->ctype.subtype, "mixed");
    assert_slice_equal(m->ctype.params, "boundary=\"unique boundary\";x=1");
    sip_msg_free(m);
    m = VALID(.extra = "c: application / sdp\r\n");
    assert_slice_equal(m->ctype.type, "application");
    assert_slice_equal(m->ctype.subtype, "sdp");
    assert_int_equal(m->ctype.params.len, 0);
    char *j = json_of(m);
    assert_non_null(strstr(j, "\"content_type\":\"application/sdp\""));
    free(j);
    sip_msg_free(m);
    m = VALID(0);
    assert_int_equal(m->ctype.type.len, 0);
    j = json_of(m);
    assert_null(strstr(j, "content_type"));
    free(j);
    sip_msg_free(m);
}

static void test_body_by_content_length(void **state)
{
    (void)state;
    sip_msg *m = VALID(.body = "v=0\r\n");
    assert_int_equal(m->content_length, 5);
    assert_slice_equal(m->body, "v=0\r\n");
    assert_int_equal(m->consumed, m->data.len);
    sip_msg_free(m);
    /* bytes past Content-Length in a datagram are not part of the message (RFC 3261 §18.3) */
    m = VALID(.cl = "Content-Length: 3", .body = "abcdef");
    assert_slice_equal(m->body, "abc");
    assert_int_equal(m->consumed, m->data.len - 3);
    sip_msg_free(m);
    m = VALID(.cl = "Content-Length: 0", .body = "trailing");
    assert_int_equal(m->content_length, 0);
    assert_int_equal(m->body.len, 0);
    assert_true(pl_str_set(m->body));
    assert_int_equal(m->consumed, m->data.len - 8);
    sip_msg_free(m);
    m = VALID(.cl = "l: 2", .body = "ok");
    assert_int_equal(m->content_length, 2);
    assert_slice_equal(m->body, "ok");
    sip_msg_free(m);
    m = VALID(.cl = "Content-Length:\r\n 2", .body = "ok");
    assert_int_equal(m->content_length, 2);
    sip_msg_free(m);
    m = VALID(.cl = "CONTENT-LENGTH: 000", .body = "");
    assert_int_equal(m->content_length, 0);
    sip_msg_free(m);
    /* the body may hold any byte */
    static const char bin[] = "MSG\r\nx\0y\r\n\r\n";
    char cl[32];
    snprintf(cl, sizeof(cl), "Content-Length: %zu", sizeof(bin) - 1);
    char *t = mb_build(&(mb_parts){.cl = cl});
    size_t tl = strlen(t);
    char *full = malloc(tl + sizeof(bin));
    memcpy(full, t, tl);
    memcpy(full + tl, bin, sizeof(bin) - 1);
    int rc;
    m = mb_parse_text(full, tl + sizeof(bin) - 1, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->body.len, sizeof(bin) - 1);
    assert_memory_equal(m->body.p, bin, sizeof(bin) - 1);
    sip_msg_free(m);
    free(full);
    free(t);
}

static void test_body_without_content_length(void **state)
{
    (void)state;
    /* over UDP the body is the rest of the datagram */
    sip_msg *m = VALID(.cl = "", .body = "v=0\r\no=-\r\n\r\n");
    assert_int_equal(m->content_length, -1);
    assert_slice_equal(m->body, "v=0\r\no=-\r\n\r\n");
    assert_int_equal(m->consumed, m->data.len);
    char *j = json_of(m);
    assert_null(strstr(j, "content_length"));
    assert_non_null(strstr(j, "\"body_length\":12"));
    free(j);
    sip_msg_free(m);
    m = VALID(.cl = "");
    assert_int_equal(m->body.len, 0);
    assert_true(pl_str_set(m->body));
    sip_msg_free(m);
    /* over a stream Content-Length is required: tested with the faults; with it all is well */
    m = VALID(.flags = PARLEY_PARSE_STREAM, .body = "abc");
    assert_slice_equal(m->body, "abc");
    sip_msg_free(m);
}

/* ---- header names: compact forms, case, lookup ---- */

static void test_compact_forms(void **state)
{
    (void)state;
    static const struct {
        const char *letter;
        const char *name;
        sip_hdr_id id;
        const char *value;
    } forms[] = {
        {"i", "Call-ID", SIP_H_CALL_ID, NULL},
        {"m", "Contact", SIP_H_CONTACT, "<sip:c@h>"},
        {"e", "Content-Encoding", SIP_H_CONTENT_ENCODING, "gzip"},
        {"l", "Content-Length", SIP_H_CONTENT_LENGTH, NULL},
        {"c", "Content-Type", SIP_H_CONTENT_TYPE, "text/plain"},
        {"f", "From", SIP_H_FROM, NULL},
        {"s", "Subject", SIP_H_SUBJECT, "hello"},
        {"k", "Supported", SIP_H_SUPPORTED, "100rel"},
        {"t", "To", SIP_H_TO, NULL},
        {"v", "Via", SIP_H_VIA, NULL},
        {"r", "Refer-To", SIP_H_REFER_TO, "<sip:carol@h>"},
        {"b", "Referred-By", SIP_H_REFERRED_BY, "<sip:alice@h>"},
        {"o", "Event", SIP_H_EVENT, "refer"},
        {"u", "Allow-Events", SIP_H_ALLOW_EVENTS, "refer, dialog"},
        {"x", "Session-Expires", SIP_H_SESSION_EXPIRES, "1800;refresher=uac"},
        {"a", "Accept-Contact", SIP_H_ACCEPT_CONTACT, "*;audio"},
        {"j", "Reject-Contact", SIP_H_REJECT_CONTACT, "*;video"},
        {"d", "Request-Disposition", SIP_H_REQUEST_DISPOSITION, "proxy"},
        {"y", "Identity", SIP_H_IDENTITY, "abc"},
        {"n", "Identity-Info", SIP_H_IDENTITY_INFO, "<https://h/cert>"},
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        for (int upper = 0; upper < 2; upper++) {
            char letter[2] = {upper ? (char)(forms[i].letter[0] - 32) : forms[i].letter[0], 0};
            assert_int_equal(sip_hdr_lookup(letter, 1), forms[i].id);
            assert_int_equal(sip_hdr_lookup(forms[i].name, strlen(forms[i].name)), forms[i].id);
            assert_int_equal(sip_hdr_table[forms[i].id].compact, forms[i].letter[0]);
            /* a message using the letter for this header */
            char line[128];
            mb_parts p = {0};
            const char *v = forms[i].value;
            switch (forms[i].id) {
            case SIP_H_CALL_ID:
                snprintf(line, sizeof(line), "%s: compact@h", letter);
                p.call_id = line;
                v = "compact@h";
                break;
            case SIP_H_CONTENT_LENGTH:
                snprintf(line, sizeof(line), "%s: 0", letter);
                p.cl = line;
                v = "0";
                break;
            case SIP_H_FROM:
                snprintf(line, sizeof(line), "%s: <sip:f@h>;tag=c", letter);
                p.from = line;
                v = "<sip:f@h>;tag=c";
                break;
            case SIP_H_TO:
                snprintf(line, sizeof(line), "%s: <sip:t@h>", letter);
                p.to = line;
                v = "<sip:t@h>";
                break;
            case SIP_H_VIA:
                snprintf(line, sizeof(line), "%s: SIP/2.0/UDP c.h;branch=z9hG4bKc", letter);
                p.via = line;
                v = "SIP/2.0/UDP c.h;branch=z9hG4bKc";
                break;
            default:
                snprintf(line, sizeof(line), "%s: %s\r\n", letter, v);
                p.extra = line;
                break;
            }
            sip_msg *m = valid(&p);
            const sip_hdr *h = sip_hdr_first(m, forms[i].id);
            assert_non_null(h);
            assert_slice_equal(h->name, letter);
            assert_slice_equal(h->value, v);
            pl_str got;
            assert_int_equal(parley_msg_header(m, forms[i].name, 0, &got), 0);
            assert_slice_equal(got, v);
            assert_int_equal(parley_msg_header(m, forms[i].letter, 0, &got), 0);
            assert_slice_equal(got, v);
            switch (forms[i].id) {
            case SIP_H_CALL_ID:
                assert_slice_equal(m->call_id, "compact@h");
                break;
            case SIP_H_CONTACT:
                assert_slice_equal(m->contact->uri.raw, "sip:c@h");
                break;
            case SIP_H_CONTENT_TYPE:
                assert_slice_equal(m->ctype.subtype, "plain");
                break;
            case SIP_H_CONTENT_LENGTH:
                assert_int_equal(m->content_length, 0);
                break;
            case SIP_H_FROM:
                assert_slice_equal(m->from->tag, "c");
                break;
            case SIP_H_TO:
                assert_slice_equal(m->to->uri.raw, "sip:t@h");
                break;
            case SIP_H_VIA:
                assert_slice_equal(m->via->branch, "z9hG4bKc");
                break;
            default:
                break;
            }
            sip_msg_free(m);
        }
    }
}

static void test_header_lookup(void **state)
{
    (void)state;
    /* every long name, in any case, finds its id */
    for (unsigned id = 1; id < SIP_H_COUNT; id++) {
        const char *n = sip_hdr_table[id].name;
        char lower[64], upper[64];
        size_t len = strlen(n);
        assert_true(len < sizeof(lower));
        for (size_t k = 0; k <= len; k++) {
            lower[k] = pl_tolower(n[k]);
            upper[k] = (n[k] >= 'a' && n[k] <= 'z') ? (char)(n[k] - 32) : n[k];
        }
        assert_int_equal(sip_hdr_lookup(n, len), id);
        assert_int_equal(sip_hdr_lookup(lower, len), id);
        assert_int_equal(sip_hdr_lookup(upper, len), id);
    }
    assert_int_equal(sip_hdr_lookup("X-Unknown", 9), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("Vias", 4), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("Vi", 2), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("", 0), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("z", 1), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("Z", 1), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("-", 1), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("\xe9", 1), SIP_H_OTHER);
    assert_int_equal(sip_hdr_lookup("Call-ID", 7), SIP_H_CALL_ID);
    assert_int_equal(sip_hdr_lookup("CALL-id", 7), SIP_H_CALL_ID);
    assert_int_equal(sip_hdr_lookup("WWW-Authenticate", 16), SIP_H_WWW_AUTHENTICATE);
    /* the first group is parsed eagerly, the rest on demand: ids before SIP_H_ACCEPT */
    assert_true(SIP_H_CONTENT_LENGTH < SIP_H_ACCEPT);
}

static void test_case_insensitive_names(void **state)
{
    (void)state;
    sip_msg *m =
        VALID(.via = "vIa: SIP/2.0/UDP h;branch=z9hG4bKci", .from = "FROM: <sip:a@h>;tag=1",
              .to = "tO: <sip:b@h>", .call_id = "call-id: ci@h", .cseq = "CSEQ: 1 INVITE",
              .max_forwards = "MAX-FORWARDS: 9", .cl = "content-LENGTH: 0",
              .extra = "CONTENT-type: text/plain\r\nsubject: x\r\n");
    assert_slice_equal(m->via->branch, "z9hG4bKci");
    assert_slice_equal(m->from->tag, "1");
    assert_slice_equal(m->to->uri.raw, "sip:b@h");
    assert_slice_equal(m->call_id, "ci@h");
    assert_int_equal(m->max_forwards, 9);
    assert_slice_equal(m->ctype.type, "text");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "SUBJECT", 0, &v), 0);
    assert_slice_equal(v, "x");
    sip_msg_free(m);
}

/* ---- folding, whitespace, line ends ---- */

static void test_folding_everywhere(void **state)
{
    (void)state;
    sip_msg *m =
        VALID(.start = "INVITE sip:bob@example.com SIP/2.0",
              .via = "Via: SIP/2.0/UDP\r\n 192.0.2.1\r\n\t;branch=z9hG4bKf",
              .from = "From:\r\n \"A\r\n B\" <sip:a@h>\r\n ;tag=1", .to = "To:\t<sip:b@h>\r\n\t\t",
              .call_id = "Call-ID:\r\n\tabc@h", .cseq = "CSeq: 1\r\n INVITE",
              .max_forwards = "Max-Forwards:\r\n 70", .cl = "Content-Length:\r\n 0",
              .extra = "Contact:\r\n <sip:c@h>,\r\n <sip:d@h>\r\n"
                       "Route: <sip:p@h;lr>\r\n  ,\r\n  <sip:q@h;lr>\r\n"
                       "Content-Type: text\r\n /plain\r\n ;charset=utf-8\r\n"
                       "X-Folded: one\r\n two\r\n\tthree\r\n");
    assert_slice_equal(m->via->host, "192.0.2.1");
    assert_slice_equal(m->via->branch, "z9hG4bKf");
    assert_slice_equal(m->from->display, "\"A\r\n B\"");
    assert_slice_equal(m->from->tag, "1");
    assert_slice_equal(m->to->uri.raw, "sip:b@h");
    assert_slice_equal(m->call_id, "abc@h");
    assert_int_equal(m->cseq.num, 1);
    assert_slice_equal(m->cseq.method, "INVITE");
    assert_int_equal(m->max_forwards, 70);
    assert_int_equal(m->content_length, 0);
    assert_slice_equal(m->contact->next->uri.raw, "sip:d@h");
    assert_slice_equal(m->route->next->uri.raw, "sip:q@h;lr");
    assert_slice_equal(m->ctype.subtype, "plain");
    assert_slice_equal(m->ctype.params, "charset=utf-8");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "X-Folded", 0, &v), 0);
    assert_slice_equal(v, "one\r\n two\r\n\tthree"); /* the value keeps its folds, trimmed */
    /* the JSON shows the display name as a user sees it: folding is one space */
    char *j = json_of(m);
    assert_non_null(strstr(j, "\"display\":\"A B\""));
    free(j);
    sip_msg_free(m);
}

static void test_header_colon_whitespace(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Subject \t:   spaced out  \t\r\nX-Empty:\r\nX-Blank:   \r\n"
                                "X-Tab:\tv\r\n");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "Subject", 0, &v), 0);
    assert_slice_equal(v, "spaced out");
    const sip_hdr *h = sip_hdr_first(m, SIP_H_SUBJECT);
    assert_slice_equal(h->name, "Subject"); /* the name without the whitespace */
    assert_int_equal(parley_msg_header(m, "X-Empty", 0, &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(parley_msg_header(m, "X-Blank", 0, &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(parley_msg_header(m, "X-Tab", 0, &v), 0);
    assert_slice_equal(v, "v");
    sip_msg_free(m);
}

static void test_bare_lf(void **state)
{
    (void)state;
    static const char text[] = "OPTIONS sip:bob@example.com SIP/2.0\n"
                               "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKlf\n"
                               "From: <sip:a@h>;tag=1\n"
                               "To: <sip:b@h>\n"
                               "Call-ID: lf@h\r\n" /* mixed line ends */
                               "CSeq: 1 OPTIONS\n"
                               "X-Fold: a\n b\n"
                               "Content-Length: 4\n"
                               "\n"
                               "body";
    int rc;
    sip_msg *m = mb_parse_text(text, sizeof(text) - 1, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_slice_equal(m->method, "OPTIONS");
    assert_slice_equal(m->via->branch, "z9hG4bKlf");
    assert_slice_equal(m->call_id, "lf@h");
    assert_slice_equal(m->body, "body");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "X-Fold", 0, &v), 0);
    assert_slice_equal(v, "a\n b");
    assert_int_equal(m->nhdrs, 7);
    sip_msg_free(m);
    /* the header section may end with LF CRLF or CRLF LF */
    static const char mixed[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
                                "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 BYE\n\r\nrest";
    m = mb_parse_text(mixed, sizeof(mixed) - 1, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_slice_equal(m->body, "rest");
    sip_msg_free(m);
}

static void test_leading_crlf(void **state)
{
    (void)state;
    char *t = mb_build(&(mb_parts){0});
    size_t tl = strlen(t);
    char *pre = malloc(tl + 6);
    memcpy(pre, "\r\n\r\n\n\r", 6); /* note: ends with a lone CR before the start line */
    memcpy(pre + 6, t, tl);
    int rc;
    sip_msg *m = mb_parse_text(pre, tl + 6, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_slice_equal(m->method, "INVITE");
    assert_int_equal(m->hdrs[0].offset, 6 + strlen(MB_START) + 2); /* offsets count them */
    assert_int_equal(m->consumed, tl + 6);
    sip_msg_free(m);
    free(pre);
    free(t);
}

/* ---- on-demand headers and the public API ---- */

static void test_unknown_headers(void **state)
{
    (void)state;
    sip_msg *m =
        VALID(.extra = "X-Foo: first\r\nSubject: s\r\nx-foo: second, \"q,uoted\", <a,b>\r\n"
                       "X-FOO:\r\nX-Odd.Name!%*_+`'~: odd\r\n");
    pl_str v;
    assert_int_equal(parley_msg_header(m, "X-Foo", 0, &v), 0);
    assert_slice_equal(v, "first");
    assert_int_equal(parley_msg_header(m, "X-FOO", 1, &v), 0);
    assert_slice_equal(v, "second, \"q,uoted\", <a,b>"); /* one field, one value: not split */
    assert_int_equal(parley_msg_header(m, "x-foo", 2, &v), 0);
    assert_int_equal(v.len, 0);
    v = PL_STR_LIT("untouched");
    assert_int_equal(parley_msg_header(m, "X-Foo", 3, &v), PARLEY_E_NOTFOUND);
    assert_slice_equal(v, "untouched");
    assert_int_equal(parley_msg_header(m, "X-Odd.Name!%*_+`'~", 0, &v), 0);
    assert_slice_equal(v, "odd");
    assert_int_equal(parley_msg_header(m, "X-Fo", 0, &v), PARLEY_E_NOTFOUND);
    assert_int_equal(parley_msg_header(m, "Allow", 0, &v), PARLEY_E_NOTFOUND);
    assert_int_equal(parley_msg_header(m, "s", 0, NULL), 0);
    assert_int_equal(parley_msg_header(m, "Subject", 1, NULL), PARLEY_E_NOTFOUND);
    assert_int_equal(parley_msg_header(m, NULL, 0, &v), PARLEY_E_INVAL);
    assert_int_equal(parley_msg_header(m, "", 0, &v), PARLEY_E_NOTFOUND);
    /* known headers are found by id whatever their spelling */
    assert_int_equal(parley_msg_header(m, "call-id", 0, &v), 0);
    assert_slice_equal(v, "call-1@example.com");
    assert_int_equal(parley_msg_header(m, "i", 0, &v), 0);
    const sip_hdr *h = sip_hdr_find(m, PL_STR_LIT("X-FOO"), 1);
    assert_non_null(h);
    assert_slice_equal(h->name, "x-foo");
    assert_int_equal(h->id, SIP_H_OTHER);
    assert_int_equal(h->offset, mb_offset_of(m, "x-foo:"));
    sip_msg_free(m);
}

static void test_header_at_and_count(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "v: SIP/2.0/UDP second;branch=z9hG4bK2\r\nX-A: 1\r\n");
    static const char *const names[] = {"Via",          "From", "To",  "Call-ID",       "CSeq",
                                        "Max-Forwards", "v",    "X-A", "Content-Length"};
    assert_int_equal(parley_msg_header_count(m), 9);
    for (size_t i = 0; i < 9; i++) {
        pl_str n, v;
        assert_int_equal(parley_msg_header_at(m, i, &n, &v), 0);
        assert_slice_equal(n, names[i]);
        assert_int_equal(m->hdrs[i].offset, mb_offset_of(m, names[i][0] == 'v' ? "v: " : names[i]));
    }
    pl_str v;
    assert_int_equal(parley_msg_header_at(m, 7, NULL, &v), 0);
    assert_slice_equal(v, "1");
    assert_int_equal(parley_msg_header_at(m, 7, NULL, NULL), 0);
    assert_int_equal(parley_msg_header_at(m, 9, &v, &v), PARLEY_E_NOTFOUND);
    assert_int_equal(parley_msg_header_at(m, (size_t)-1, NULL, NULL), PARLEY_E_NOTFOUND);
    /* the id chain skips other headers */
    assert_int_equal(m->first[SIP_H_VIA], 0);
    assert_int_equal(m->hdrs[0].next, 6);
    assert_int_equal(m->hdrs[6].next, SIP_HDR_NONE);
    assert_int_equal(m->first[SIP_H_SUBJECT], SIP_HDR_NONE);
    assert_null(sip_hdr_first(m, SIP_H_SUBJECT));
    sip_msg_free(m);
    /* more than the 24 fields reserved up front */
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int i = 0; i < 240; i++)
        pl_buf_printf(&b, "X-H%d: v%d\r\n", i, i);
    pl_buf_terminate(&b);
    mb_parts p = {.extra = b.data};
    m = valid(&p);
    assert_int_equal(m->nhdrs, 247);
    for (int i = 0; i < 240; i += 37) {
        char n[16], want[16];
        snprintf(n, sizeof(n), "x-h%d", i);
        snprintf(want, sizeof(want), "v%d", i);
        assert_int_equal(parley_msg_header(m, n, 0, &v), 0);
        assert_slice_equal(v, want);
    }
    assert_slice_equal(m->via->branch, "z9hG4bKdflt");
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_public_api(void **state)
{
    (void)state;
    char *t = mb_build(&(mb_parts){.body = "hello", .extra = "Content-Type: text/plain\r\n"});
    parley_msg *m = NULL;
    parley_parse_error e;
    assert_int_equal(parley_msg_parse(t, strlen(t), 0, NULL, &m, &e), 0);
    assert_int_equal(e.code, 0);
    assert_int_equal(parley_msg_is_request(m), 1);
    assert_slice_equal(parley_msg_method(m), "INVITE");
    assert_slice_equal(parley_msg_request_uri(m), "sip:bob@example.com");
    assert_int_equal(parley_msg_status(m), 0);
    assert_int_equal(parley_msg_reason(m).len, 0);
    assert_slice_equal(parley_msg_call_id(m), "call-1@example.com");
    pl_str meth;
    assert_int_equal(parley_msg_cseq(m, &meth), 1);
    assert_slice_equal(meth, "INVITE");
    assert_int_equal(parley_msg_cseq(m, NULL), 1);
    assert_slice_equal(parley_msg_body(m), "hello");
    assert_int_equal(parley_msg_header_count(m), 8);
    /* the message owns a copy: the input can go */
    memset(t, 'X', strlen(t));
    free(t);
    assert_slice_equal(parley_msg_call_id(m), "call-1@example.com");
    /* references: the last unref frees (LeakSanitizer checks) */
    assert_ptr_equal(parley_msg_ref(m), m);
    assert_ptr_equal(parley_msg_ref(m), m);
    parley_msg_unref(m);
    parley_msg_unref(m);
    assert_slice_equal(parley_msg_method(m), "INVITE");
    parley_msg_unref(m);
    parley_msg_unref(NULL);
    assert_null(parley_msg_ref(NULL));

    t = mb_build(&(mb_parts){.start = "SIP/2.0 486 Busy Here"});
    assert_int_equal(parley_msg_parse(t, strlen(t), 0, NULL, &m, NULL), 0);
    free(t);
    assert_int_equal(parley_msg_is_request(m), 0);
    assert_int_equal(parley_msg_status(m), 486);
    assert_slice_equal(parley_msg_reason(m), "Busy Here");
    assert_int_equal(parley_msg_method(m).len, 0);
    assert_null(parley_msg_method(m).p);
    assert_null(parley_msg_request_uri(m).p);
    assert_int_equal(parley_msg_body(m).len, 0);
    parley_msg_unref(m);
}

static void test_parse_arguments(void **state)
{
    (void)state;
    sip_msg *m = (sip_msg *)1;
    assert_int_equal(sip_msg_parse("x", 1, 0, NULL, NULL, NULL), PARLEY_E_INVAL);
    assert_int_equal(sip_msg_parse(NULL, 5, 0, NULL, &m, NULL), PARLEY_E_INVAL);
    assert_int_equal(parley_msg_parse(NULL, 5, 0, NULL, &m, NULL), PARLEY_E_INVAL);
    /* no bytes at all is a malformed message, with a message to answer from */
    parley_parse_error e;
    assert_int_equal(sip_msg_parse(NULL, 0, 0, NULL, &m, &e), PARLEY_E_PARSE);
    assert_non_null(m);
    assert_int_equal(e.offset, 0);
    assert_string_equal(e.reason, "no complete start line");
    sip_msg_free(m);
    sip_msg_free(NULL);
    /* only the first len bytes count, whatever follows */
    char *t = mb_build(&(mb_parts){0});
    size_t tl = strlen(t);
    char *more = malloc(tl + 8);
    memcpy(more, t, tl);
    memcpy(more + tl, "GARBAGE!", 8);
    int rc;
    m = mb_parse_text(more, tl, 0, NULL, &rc);
    mb_assert_valid(m, rc);
    assert_int_equal(m->data.len, tl);
    assert_int_equal(m->data.p[tl], '\0');
    sip_msg_free(m);
    free(more);
    free(t);
}

static void test_one_allocation_per_message(void **state)
{
    (void)state;
    char **files = tu_list_dir(PARLEY_TEST_DATA "/msg", ".sip");
    assert_non_null(files);
    for (size_t i = 0; files[i]; i++) {
        size_t len;
        char *data = tu_read_data("msg", files[i], &len);
        unsigned long before = pl_alloc_count();
        sip_msg *m = NULL;
        int rc = sip_msg_parse(data, len, 0, NULL, &m, NULL);
        if (rc != 0)
            fail_msg("%s: %s: %s", files[i], m->err.what, m->err.reason);
        if (pl_alloc_count() - before != 1)
            fail_msg("%s: %lu allocations", files[i], pl_alloc_count() - before);
        sip_msg_free(m);
        free(data);
    }
    tu_free_list(files);
}

static void test_refer_to_naddr(void **state)
{
    (void)state;
    /* on-demand headers with addresses parse with the same code as the eager ones */
    sip_msg *m = VALID(.extra = "Refer-To: \"Carol\" <sip:carol@h?Replaces=abc%40h%3Bto-tag%3D1>"
                                ";x=1\r\nr: sip:dave@h\r\n");
    const sip_hdr *h = sip_hdr_first(m, SIP_H_REFER_TO);
    sip_scan s = sip_scan_of(h->value);
    sip_naddr na;
    const char *at = NULL, *why = NULL;
    assert_true(sip_parse_naddr(&s, &na, &at, &why));
    assert_slice_equal(na.display, "\"Carol\"");
    assert_slice_equal(na.uri.headers, "Replaces=abc%40h%3Bto-tag%3D1");
    assert_slice_equal(na.params, "x=1");
    assert_true(sip_scan_eof(&s));
    h = sip_hdr_next(m, h);
    s = sip_scan_of(h->value);
    assert_true(sip_parse_naddr(&s, &na, &at, &why));
    assert_slice_equal(na.uri.raw, "sip:dave@h");
    /* and report faults the same way */
    s = sip_scan_of(PL_STR_LIT("<sip:x@h"));
    assert_false(sip_parse_naddr(&s, &na, &at, &why));
    assert_string_equal(why, "missing '>'");
    sip_msg_free(m);
}

static void test_date_header(void **state)
{
    (void)state;
    sip_msg *m = VALID(.extra = "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n");
    sip_msg_free(m);
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++) {
        char line[64];
        snprintf(line, sizeof(line), "Date: %s, 01 %s 2024 00:00:59 GMT\r\n", days[i % 7],
                 months[i]);
        m = VALID(.extra = line);
        sip_msg_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line),
        cmocka_unit_test(test_every_known_method),
        cmocka_unit_test(test_extension_and_case_sensitive_methods),
        cmocka_unit_test(test_request_uri_forms),
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_via_all_params),
        cmocka_unit_test(test_via_rport),
        cmocka_unit_test(test_via_received_ipv6_and_hosts),
        cmocka_unit_test(test_via_lws),
        cmocka_unit_test(test_via_lists),
        cmocka_unit_test(test_name_addr_quoted_display),
        cmocka_unit_test(test_name_addr_token_display),
        cmocka_unit_test(test_addr_spec_params_belong_to_header),
        cmocka_unit_test(test_naddr_params),
        cmocka_unit_test(test_name_addr_other_uris),
        cmocka_unit_test(test_contact_list),
        cmocka_unit_test(test_contact_star),
        cmocka_unit_test(test_contact_addr_spec_list),
        cmocka_unit_test(test_route_lists),
        cmocka_unit_test(test_call_id),
        cmocka_unit_test(test_cseq),
        cmocka_unit_test(test_max_forwards),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test(test_body_by_content_length),
        cmocka_unit_test(test_body_without_content_length),
        cmocka_unit_test(test_compact_forms),
        cmocka_unit_test(test_header_lookup),
        cmocka_unit_test(test_case_insensitive_names),
        cmocka_unit_test(test_folding_everywhere),
        cmocka_unit_test(test_header_colon_whitespace),
        cmocka_unit_test(test_bare_lf),
        cmocka_unit_test(test_leading_crlf),
        cmocka_unit_test(test_unknown_headers),
        cmocka_unit_test(test_header_at_and_count),
        cmocka_unit_test(test_public_api),
        cmocka_unit_test(test_parse_arguments),
        cmocka_unit_test(test_one_allocation_per_message),
        cmocka_unit_test(test_refer_to_naddr),
        cmocka_unit_test(test_date_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
