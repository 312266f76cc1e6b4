/* SDP parsing and printing: every field, every tolerance, hostile input, round trips. */
#include <dirent.h>

#include "test_sdp_util.h"

/* ---- round trip over every test description ---- */

static void test_roundtrip_all_files(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/sdp", PARLEY_TEST_DATA);
    DIR *d = opendir(dir);
    assert_non_null(d);
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".sdp") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(l - 4), e->d_name);
        parley_sdp *s = ts_parse_file(name);
        ts_assert_roundtrip(s);
        parley_sdp_free(s);
        n++;
    }
    closedir(d);
    assert_true(n >= 60);
}

/* ---- every line type, field by field ---- */

static void test_full_session_fields(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse_file("full");
    assert_int_equal(s->version, 0);
    assert_slice_equal(s->origin.username, "jdoe");
    assert_slice_equal(s->origin.sess_id, "2890844526");
    assert_true(s->origin.sess_version == 2890842807u);
    assert_slice_equal(s->origin.nettype, "IN");
    assert_slice_equal(s->origin.addrtype, "IP4");
    assert_slice_equal(s->origin.address, "10.47.16.5");
    assert_int_equal(s->origin.family, PARLEY_SDP_ADDR_IP4);
    assert_slice_equal(s->name, "SDP Seminar");
    assert_slice_equal(s->info, "A Seminar on the session description protocol");
    assert_slice_equal(s->uri, "http://www.example.com/seminars/sdp.pdf");
    assert_int_equal(s->nemails, 2);
    assert_slice_equal(s->emails[0], "j.doe@example.com (Jane Doe)");
    assert_slice_equal(s->emails[1], "Jane Doe <j.doe@example.org>");
    assert_int_equal(s->nphones, 1);
    assert_slice_equal(s->phones[0], "+1 617 555-6011");
    assert_non_null(s->conn);
    assert_slice_equal(s->conn->address, "224.2.17.12");
    assert_int_equal(s->conn->ttl, 127);
    assert_int_equal(s->conn->count, 0);
    assert_int_equal(s->nbw, 1);
    assert_slice_equal(s->bw[0].type, "CT");
    assert_true(s->bw[0].value == 1000);
    assert_int_equal(s->ntimes, 2);
    assert_true(s->times[0].start == 2873397496u && s->times[0].stop == 2873404696u);
    assert_int_equal(s->times[0].nrepeats, 2);
    assert_slice_equal(s->times[0].repeats[0], "7d 1h 0 25h");
    assert_slice_equal(s->times[0].repeats[1], "604800 3600 0 90000");
    assert_true(s->times[1].start == 0 && s->times[1].stop == 0 && s->times[1].nrepeats == 0);
    assert_slice_equal(s->zone, "2882844526 -1h 2898848070 0");
    assert_slice_equal(s->key, "prompt");
    assert_int_equal(s->nattrs, 2);
    assert_slice_equal(s->attrs[0].name, "recvonly");
    assert_null(s->attrs[0].value.p);
    assert_slice_equal(s->attrs[1].name, "tool");
    assert_slice_equal(s->attrs[1].value, "parley");
    assert_int_equal(s->dir, PARLEY_SDP_RECVONLY);
    assert_int_equal(s->nmedia, 3);

    const parley_sdp_media *m = &s->media[0];
    assert_slice_equal(m->media, "audio");
    assert_int_equal(m->port, 49170);
    assert_int_equal(m->nports, 2);
    assert_slice_equal(m->proto, "RTP/AVP");
    assert_int_equal(m->nfmts, 2);
    assert_int_equal(m->fmts[0].pt, 0);
    assert_int_equal(m->fmts[0].has_rtpmap, 0);
    assert_slice_equal(m->fmts[0].encoding, "PCMU"); /* RFC 3551 static type */
    assert_int_equal(m->fmts[0].rate, 8000);
    assert_int_equal(m->fmts[1].pt, 96);
    assert_int_equal(m->fmts[1].has_rtpmap, 1);
    assert_slice_equal(m->fmts[1].encoding, "L16");
    assert_int_equal(m->fmts[1].rate, 16000);
    assert_slice_equal(m->fmts[1].enc_params, "2");
    assert_int_equal(m->fmts[1].channels, 2);
    assert_slice_equal(m->fmts[1].fmtp, "emphasis=50-15");
    assert_null(m->fmts[0].fmtp.p);
    assert_slice_equal(m->info, "voice");
    assert_int_equal(m->nconns, 2);
    assert_slice_equal(m->conns[0].address, "224.2.17.12");
    assert_int_equal(m->conns[0].ttl, 127);
    assert_int_equal(m->conns[0].count, 3);
    assert_slice_equal(m->conns[1].address, "224.2.18.12");
    assert_int_equal(m->conns[1].ttl, 64);
    assert_int_equal(m->nbw, 1);
    assert_slice_equal(m->bw[0].type, "AS");
    assert_true(m->bw[0].value == 64);
    assert_slice_equal(m->key, "clear:secret");
    assert_int_equal(m->ptime, 20);
    assert_int_equal(m->maxptime, 40);
    assert_int_equal(m->rtcp_port, 53020);
    assert_slice_equal(m->rtcp_addr, "126.16.64.4");
    assert_int_equal(m->rtcp_mux, 0);
    assert_int_equal(m->dir, PARLEY_SDP_RECVONLY); /* inherited from the session */
    assert_int_equal(m->dir_explicit, 0);
    assert_int_equal(m->nattrs, 8);
    const parley_sdp_attr *a = parley_sdp_attr_find(m->attrs, m->nattrs, "x-unknown", 0);
    assert_non_null(a);
    assert_slice_equal(a->value, "some value with spaces");
    a = parley_sdp_attr_find(m->attrs, m->nattrs, "flag", 0);
    assert_non_null(a);
    assert_null(a->value.p);
    a = parley_sdp_attr_find(m->attrs, m->nattrs, "empty", 0);
    assert_non_null(a);
    assert_non_null(a->value.p);
    assert_int_equal(a->value.len, 0);
    assert_null(parley_sdp_attr_find(m->attrs, m->nattrs, "rtpmap", 1));
    assert_non_null(parley_sdp_attr_find(m->attrs, m->nattrs, "rtpmap", 0));

    m = &s->media[1];
    assert_slice_equal(m->fmts[0].encoding, "h263-1998");
    assert_int_equal(m->dir, PARLEY_SDP_SENDONLY);
    assert_int_equal(m->dir_explicit, 1);
    assert_int_equal(m->nports, 0);

    m = &s->media[2];
    assert_slice_equal(m->media, "application");
    assert_slice_equal(m->proto, "udp");
    assert_int_equal(m->nfmts, 1);
    assert_int_equal(m->fmts[0].pt, -1);
    assert_slice_equal(m->fmts[0].fmt, "wb");
    assert_int_equal(m->fmts[0].encoding.len, 0);
    parley_sdp_free(s);
}

static void test_ipv6_fields(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse_file("ipv6");
    assert_int_equal(s->origin.family, PARLEY_SDP_ADDR_IP6);
    assert_slice_equal(s->origin.address, "2001:db8::1");
    assert_int_equal(s->conn->family, PARLEY_SDP_ADDR_IP6);
    const parley_sdp_media *m = &s->media[0];
    assert_slice_equal(m->conns[0].address, "FF15::101");
    assert_int_equal(m->conns[0].ttl, -1);
    assert_int_equal(m->conns[0].count, 3);
    assert_int_equal(m->rtcp_port, 5005);
    assert_slice_equal(m->rtcp_addr, "2001:db8::2");
    assert_int_equal(m->rtcp_mux, 1);
    assert_slice_equal(m->fmts[1].encoding, "telephone-event");
    assert_slice_equal(m->fmts[1].fmtp, "0-16");
    assert_int_equal(s->media[1].port, 0);
    assert_int_equal(s->media[1].nconns, 0);
    parley_sdp_free(s);
}

static void test_webrtc_fields(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse_file("webrtc");
    assert_null(s->conn);
    assert_int_equal(s->nattrs, 3);
    assert_slice_equal(s->attrs[2].name, "msid-semantic");
    assert_slice_equal(s->attrs[2].value, " WMS stream0");
    assert_int_equal(s->nmedia, 2);
    const parley_sdp_media *m = &s->media[0];
    assert_slice_equal(m->proto, "UDP/TLS/RTP/SAVPF");
    assert_int_equal(m->nfmts, 8);
    assert_slice_equal(m->fmts[0].encoding, "opus");
    assert_int_equal(m->fmts[0].rate, 48000);
    assert_int_equal(m->fmts[0].channels, 2);
    assert_slice_equal(m->fmts[0].fmtp, "minptime=10;useinbandfec=1");
    assert_slice_equal(m->fmts[1].fmtp, "111/111");
    assert_int_equal(m->rtcp_port, 9);
    assert_int_equal(m->rtcp_mux, 1);
    assert_int_equal(m->dir, PARLEY_SDP_SENDRECV);
    assert_int_equal(m->dir_explicit, 1);
    const parley_sdp_attr *a = parley_sdp_attr_find(m->attrs, m->nattrs, "ssrc", 1);
    assert_slice_equal(a->value, "1001 msid:stream0 audio0");
    m = &s->media[1];
    assert_slice_equal(m->fmts[3].fmtp, "apt=102");
    assert_non_null(parley_sdp_attr_find(m->attrs, m->nattrs, "rtcp-fb", 4));
    parley_sdp_free(s);
}

/* ---- tolerances ---- */

#define BASE  "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define AUDIO "m=audio 4000 RTP/AVP 0\r\n"

static void test_tolerates_lf_line_ends(void **state)
{
    (void)state;
    const char *crlf = BASE AUDIO "a=sendonly\r\n";
    const char *lf = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=x\r\nc=IN IP4 192.0.2.1\nt=0 0\n"
                     "m=audio 4000 RTP/AVP 0\na=sendonly\n";
    parley_sdp *a = ts_parse(crlf), *b = ts_parse(lf);
    assert_true(sdp_equal(a, b, 0));
    assert_int_equal(b->media[0].dir, PARLEY_SDP_SENDONLY);
    parley_sdp_free(a);
    parley_sdp_free(b);
}

static void test_tolerates_missing_final_line_end(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse(BASE "m=audio 4000 RTP/AVP 0\r\na=ptime:30");
    assert_int_equal(s->media[0].ptime, 30);
    parley_sdp_free(s);
    s = ts_parse(BASE "m=audio 4000 RTP/AVP 8\r"); /* CR then the end */
    assert_int_equal(s->media[0].fmts[0].pt, 8);
    parley_sdp_free(s);
}

static void test_tolerates_trailing_blanks_and_empty_lines(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0 \r\no=- 1 2 IN IP4 192.0.2.1\t\r\ns=x  \r\n"
                             "c=IN IP4 192.0.2.1 \r\nt=0 0\r\n\r\nm=audio 4000 RTP/AVP 0 8 \r\n"
                             "a=rtpmap:8 PCMA/8000 \r\n\r\n\r\n");
    assert_slice_equal(s->name, "x");
    assert_slice_equal(s->conn->address, "192.0.2.1");
    assert_int_equal(s->media[0].nfmts, 2);
    assert_slice_equal(s->media[0].fmts[1].encoding, "PCMA");
    assert_slice_equal(s->media[0].attrs[0].value, "8 PCMA/8000");
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_tolerates_runs_of_blanks_between_fields(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0\r\no=-  1 2  IN IP4 192.0.2.1\r\ns=x\r\nc=IN  IP4\t192.0.2.1\r\n"
                             "t=0  0\r\nm=audio  4000 RTP/AVP  0   8\r\n");
    assert_slice_equal(s->origin.sess_id, "1");
    assert_slice_equal(s->conn->address, "192.0.2.1");
    assert_int_equal(s->media[0].nfmts, 2);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_keeps_unknown_line_types(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse(BASE "y=0100000001\r\n" AUDIO "f=v/2/25\r\ny=7\r\n");
    assert_int_equal(s->nothers, 1);
    assert_slice_equal(s->others[0], "y=0100000001");
    assert_int_equal(s->media[0].nothers, 2);
    assert_slice_equal(s->media[0].others[0], "f=v/2/25");
    assert_slice_equal(s->media[0].others[1], "y=7");
    char *t = ts_print(s);
    assert_non_null(strstr(t, "y=0100000001\r\nm=audio"));
    assert_non_null(strstr(t, "f=v/2/25\r\ny=7\r\n"));
    free(t);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_tolerates_lines_out_of_order(void **state)
{
    (void)state;
    /* RFC 3264 §9's own example puts c= after t=; b= after a= and i= after c= seen too */
    parley_sdp *s = ts_parse("v=0\r\ns=x\r\nt=0 0\r\na=tool:y\r\no=- 1 2 IN IP4 192.0.2.1\r\n"
                             "c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=ptime:20\r\n"
                             "b=AS:64\r\nc=IN IP4 192.0.2.9\r\ni=late\r\n");
    assert_slice_equal(s->origin.address, "192.0.2.1");
    assert_slice_equal(s->attrs[0].name, "tool");
    assert_int_equal(s->media[0].nbw, 1);
    assert_slice_equal(s->media[0].conns[0].address, "192.0.2.9");
    assert_slice_equal(s->media[0].info, "late");
    char *t = ts_print(s); /* printed in RFC order */
    assert_non_null(strstr(t, "o=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                              "a=tool:y\r\nm=audio 4000 RTP/AVP 0\r\ni=late\r\n"
                              "c=IN IP4 192.0.2.9\r\nb=AS:64\r\na=ptime:20\r\n"));
    free(t);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_tolerates_missing_name_and_time(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n" AUDIO);
    assert_non_null(s->name.p);
    assert_int_equal(s->name.len, 0);
    assert_int_equal(s->ntimes, 1);
    assert_true(s->times[0].start == 0 && s->times[0].stop == 0);
    char *t = ts_print(s);
    assert_non_null(strstr(t, "s= \r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"));
    free(t);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
    s = ts_parse("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n");
    assert_int_equal(s->name.len, 0);
    parley_sdp_free(s);
}

static void test_tolerates_rejected_stream_without_formats_or_address(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nt=0 0\r\n"
                             "m=audio 0 RTP/AVP\r\nm=video 0 RTP/AVP 31\r\n");
    assert_int_equal(s->media[0].nfmts, 0);
    assert_int_equal(s->media[1].nfmts, 1);
    assert_null(s->conn);
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_tolerated_attribute_values(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse(BASE "m=audio 4000 RTP/AVP 0 101 102\r\n"
                                  "a=rtpmap: 101 telephone-event/8000\r\n" /* blank after ':' */
                                  "a=fmtp:101\r\n"                         /* no parameters */
                                  "a=ptime:20.0\r\n"                       /* a fraction */
                                  "a=rtpmap:99 opus/48000/2\r\n"           /* not on the m= line */
                                  "a=fmtp:98 x=1\r\n"
                                  "m=video 3227 RTP/AVP 31\r\n"
                                  "a=rtpmap:31 LPC\r\n"); /* no clock rate (RFC 4475) */
    const parley_sdp_media *m = &s->media[0];
    assert_slice_equal(m->fmts[1].encoding, "telephone-event");
    assert_non_null(m->fmts[1].fmtp.p);
    assert_int_equal(m->fmts[1].fmtp.len, 0);
    assert_int_equal(m->ptime, 20);
    assert_int_equal(m->fmts[2].has_rtpmap, 0); /* dynamic without rtpmap: left empty */
    assert_int_equal(m->fmts[2].encoding.len, 0);
    assert_int_equal(m->nattrs, 5);
    const parley_sdp_media *v = &s->media[1]; /* the rtpmap kept, the format not linked to it */
    assert_int_equal(v->fmts[0].pt, 31);
    assert_int_equal(v->fmts[0].has_rtpmap, 0);
    assert_slice_equal(v->fmts[0].encoding, "H261"); /* RFC 3551's static type, not "LPC" */
    assert_non_null(parley_sdp_attr_find(v->attrs, v->nattrs, "rtpmap", 0));
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_tolerates_case_of_network_types(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0\r\no=- 1 2 in ip4 host_1.example.com\r\ns=x\r\n"
                             "c=in Ip6 ::1\r\nt=0 0\r\n" AUDIO);
    assert_int_equal(s->origin.family, PARLEY_SDP_ADDR_IP4);
    assert_int_equal(s->conn->family, PARLEY_SDP_ADDR_IP6);
    assert_slice_equal(s->conn->nettype, "in");
    parley_sdp_free(s);
    s = ts_parse("v=0\r\no=- 1 2 ATM NSAP 47.0005.80.ffe100\r\ns=x\r\nc=TN RFC2543 +1-617\r\n"
                 "t=0 0\r\n");
    assert_int_equal(s->origin.family, PARLEY_SDP_ADDR_OTHER);
    assert_slice_equal(s->conn->address, "+1-617");
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

/* ---- errors ---- */

static void test_rejects_malformed_lines(void **state)
{
    (void)state;
    ts_assert_error("", PARLEY_E_PARSE, "v=");
    ts_assert_error("\r\n\r\n", PARLEY_E_PARSE, "v=");
    ts_assert_error("o=- 1 2 IN IP4 192.0.2.1\r\nv=0\r\n", PARLEY_E_PARSE, "v=");
    ts_assert_error("v=1\r\no=- 1 2 IN IP4 192.0.2.1\r\n", PARLEY_E_PARSE, "v=");
    ts_assert_error("v=0\r\ns=x\r\n", PARLEY_E_PARSE, "o=");
    ts_assert_error(BASE "A=b\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "ab\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "=x\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "a=x\rb\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "v=0\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "s=again\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE "c=IN IP4 192.0.2.2\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE AUDIO "t=0 0\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error(BASE AUDIO "i=a\r\ni=b\r\n", PARLEY_E_PARSE, "SDP");
    ts_assert_error("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nr=1 2 3\r\nt=0 0\r\n",
                    PARLEY_E_PARSE, "r=");
}

/* An IPv6 literal in brackets as in a SIP URI (SIPp writes "o=... IN IP6 [::1]"): kept as
 * written in o=, which only names the origin; read without them in c= and a=rtcp, whose
 * address is where media go. */
static void test_tolerates_bracketed_ipv6(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse("v=0\r\no=user1 53655765 2353687637 IN IP6 [::1]\r\ns=-\r\n"
                             "c=IN IP6 [::1]\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
                             "a=rtcp:6001 IN IP6 [2001:db8::7]\r\n");
    assert_int_equal(s->origin.family, PARLEY_SDP_ADDR_IP6);
    assert_slice_equal(s->origin.address, "[::1]");
    assert_int_equal(s->conn->family, PARLEY_SDP_ADDR_IP6);
    assert_slice_equal(s->conn->address, "::1");
    assert_slice_equal(s->media[0].rtcp_addr, "2001:db8::7");
    ts_assert_roundtrip(s);
    parley_sdp_free(s);
}

static void test_rejects_bad_fields(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *what;
    } bad[] = {
        {"o=- 1 2 IN IP4\r\n", "o="},
        {"o=- 1 2 IN IP4 a b\r\n", "o="},
        {"o=- x1 2 IN IP4 192.0.2.1\r\n", "o="},
        {"o=- 1 18446744073709551616 IN IP4 192.0.2.1\r\n", "o="},
        {"o=- 1 2 IN IP4 999.0.2.1\r\n", "o="},
        {"o=- 1 2 IN IP4 ::1\r\n", "o="},
        {"o=- 1 2 IN IP6 1:2:3\r\n", "o="},
        {"o=- 1 2 IN IP6 192.0.2.1\r\n", "o="},
        {"o=- 1 2 IN IP4 [::1]\r\n", "o="},
        {"o=- 1 2 IN IP6 [1:2:3]\r\n", "o="},
        {"o=- 1 2 IN IP6 [192.0.2.1]\r\n", "o="},
        {"o=- 1 2 IN IP6 [::1\r\n", "o="},
    };
    char text[512];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "v=0\r\n%ss=x\r\nt=0 0\r\n", bad[i].line);
        ts_assert_error(text, PARLEY_E_PARSE, bad[i].what);
    }
    static const struct {
        const char *lines;
        const char *what;
    } media[] = {
        {AUDIO "c=IN IP4\r\n", "c="},
        {AUDIO "c=IN IP4 224.2.1.1/256\r\n", "c="},
        {AUDIO "c=IN IP4 224.2.1.1/1/0\r\n", "c="},
        {AUDIO "c=IN IP4 224.2.1.1/1/2/3\r\n", "c="},
        {AUDIO "c=IN IP6 ff15::1/2/3\r\n", "c="},
        {AUDIO "c=IN IP6 [ff15::1]/3\r\n", "c="},
        {AUDIO "c=IN IP4 [127.0.0.1]\r\n", "c="},
        {AUDIO "c=IN IP6 []\r\n", "c="},
        {AUDIO "c=IN IP4 10.0.0.1.5\r\n", "c="},
        {"b=AS\r\n", "b="},
        {"b=AS:x\r\n", "b="},
        {"b=A S:1\r\n", "b="},
        {"m=audio 65536 RTP/AVP 0\r\n", "m="},
        {"m=audio 4000/0 RTP/AVP 0\r\n", "m="},
        {"m=audio 4000 RTP/AVP 128\r\n", "m="},
        {"m=audio 4000 RTP/AVP 0 0\r\n", "m="},
        {"m=audio 4000 RTP/AVP\r\n", "m="},
        {"m=audio 4000\r\n", "m="},
        {"m=audio 4000 RTP//AVP 0\r\n", "m="},
        {"m=au(dio 4000 RTP/AVP 0\r\n", "m="},
        {"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/x\r\n", "a=rtpmap"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0\r\n", "a=rtpmap"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtpmap\r\n", "a=rtpmap"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtpmap:x PCMU/8000\r\n", "a=rtpmap"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMU/8000\r\n", "a=rtpmap"},
        {"m=audio 4000 RTP/AVP 0\r\na=fmtp:0 a\r\na=fmtp:0 b\r\n", "a=fmtp"},
        {"m=audio 4000 RTP/AVP 0\r\na=ptime:x\r\n", "a=ptime"},
        {"m=audio 4000 RTP/AVP 0\r\na=maxptime:\r\n", "a=maxptime"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtcp:70000\r\n", "a=rtcp"},
        {"m=audio 4000 RTP/AVP 0\r\na=rtcp:5 IN IP4\r\n", "a=rtcp"},
        {"m=audio 4000 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", "a="},
        {"m=audio 4000 RTP/AVP 0\r\na=inactive:now\r\n", "a="},
        {"a=:x\r\n", "a="},
        {"a=na me\r\n", "a="},
        {"t=1\r\n", "t="},
        {"t=1 2 3\r\n", "t="},
        {"r=1 2\r\n", "r="},
        {"r=1x 2 3\r\n", "r="},
        {"z=1\r\n", "z="},
        {"z=1 -1x\r\n", "z="},
    };
    for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++) {
        snprintf(text, sizeof(text), "%s%s", BASE, media[i].lines);
        ts_assert_error(text, PARLEY_E_PARSE, media[i].what);
    }
}

static void test_rejects_active_media_without_address(void **state)
{
    (void)state;
    ts_assert_error("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=x\r\nt=0 0\r\n" AUDIO, PARLEY_E_PARSE,
                    "c=");
}

static void test_error_offsets(void **state)
{
    (void)state;
    const char *t = BASE "m=audio 4000 RTP/AVP 0 200\r\n";
    parley_sdp *s;
    parley_parse_error e;
    assert_int_equal(parley_sdp_parse(t, strlen(t), NULL, &s, &e), PARLEY_E_PARSE);
    assert_int_equal(e.offset, (long)(strstr(t, "200") - t));
    const char nul[] = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=\0x\r\n";
    assert_int_equal(parley_sdp_parse(nul, sizeof(nul) - 1, NULL, &s, &e), PARLEY_E_PARSE);
    assert_int_equal(e.offset, 33);
    assert_int_equal(parley_sdp_parse(NULL, 3, NULL, &s, &e), PARLEY_E_INVAL);
    assert_int_equal(parley_sdp_parse(t, strlen(t), NULL, NULL, NULL), PARLEY_E_INVAL);
}

/* ---- hostile input ---- */

static char *repeat_lines(const char *head, const char *line, unsigned n)
{
    size_t hl = strlen(head), ll = strlen(line);
    char *t = malloc(hl + ll * n + 1);
    memcpy(t, head, hl);
    for (unsigned i = 0; i < n; i++)
        memcpy(t + hl + ll * i, line, ll);
    t[hl + ll * n] = '\0';
    return t;
}

static void test_limits(void **state)
{
    (void)state;
    char *t = repeat_lines(BASE, "m=audio 0 RTP/AVP 0\r\n", 65);
    ts_assert_error(t, PARLEY_E_LIMIT, "m=");
    free(t);
    t = repeat_lines(BASE, "a=x\r\n", 5000);
    ts_assert_error(t, PARLEY_E_LIMIT, "SDP");
    free(t);
    t = repeat_lines(BASE "m=audio 4000 RTP/AVP", " 1", 257);
    ts_assert_error(t, PARLEY_E_LIMIT, "m=");
    free(t);
    t = repeat_lines(BASE "a=", "x", 9000);
    ts_assert_error(t, PARLEY_E_LIMIT, "SDP");
    free(t);
    t = repeat_lines(BASE, "a=tool:0123456789012345678901234567890123456789\r\n", 1600);
    ts_assert_error(t, PARLEY_E_LIMIT, "SDP"); /* larger than 64 KiB */
    free(t);
    /* Limits can be raised or lowered. */
    parley_sdp_limits lim = {0, 0, 0, 2, 0};
    parley_sdp *s;
    t = repeat_lines(BASE, "m=audio 0 RTP/AVP 0\r\n", 3);
    assert_int_equal(parley_sdp_parse(t, strlen(t), &lim, &s, NULL), PARLEY_E_LIMIT);
    lim.max_media = 3;
    assert_int_equal(parley_sdp_parse(t, strlen(t), &lim, &s, NULL), 0);
    assert_int_equal(s->nmedia, 3);
    parley_sdp_free(s);
    free(t);
    /* Deep repetition within the limits parses into exactly sized arrays. */
    t = repeat_lines(BASE AUDIO, "a=candidate:1 1 UDP 2130706431 192.0.2.1 4000 typ host\r\n",
                     4000);
    parley_sdp_limits big = {1 << 20, 0, 0, 0, 0};
    assert_int_equal(parley_sdp_parse(t, strlen(t), &big, &s, NULL), 0);
    assert_int_equal(s->media[0].nattrs, 4000);
    parley_sdp_free(s);
    free(t);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    size_t len = 0;
    char *t = ts_read("webrtc", &len);
    parley_sdp *s = (parley_sdp *)1;
    parley_parse_error e;
    pl_alloc_fail_after(0);
    int rc = parley_sdp_parse(t, len, NULL, &s, &e);
    pl_alloc_fail_after(-1);
    assert_int_equal(rc, PARLEY_E_NOMEM);
    assert_null(s);
    unsigned long before = pl_alloc_count();
    assert_int_equal(parley_sdp_parse(t, len, NULL, &s, NULL), 0);
    assert_int_equal(pl_alloc_count() - before, 1); /* one allocation per description */
    parley_sdp_free(s);
    free(t);
}

static void test_print_is_snprintf_like(void **state)
{
    (void)state;
    parley_sdp *s = ts_parse(BASE AUDIO);
    size_t n = parley_sdp_print(s, NULL, 0);
    assert_int_equal(n, strlen(BASE AUDIO));
    char small[10];
    assert_int_equal(parley_sdp_print(s, small, sizeof(small)), n);
    assert_string_equal(small, "v=0\r\no=- ");
    char *t = ts_print(s);
    assert_string_equal(t, BASE AUDIO);
    free(t);
    parley_sdp_free(s);
    assert_int_equal(parley_sdp_print(NULL, small, sizeof(small)), 0);
    parley_sdp_free(NULL);
}

static void test_dir_names(void **state)
{
    (void)state;
    assert_string_equal(parley_sdp_dir_name(PARLEY_SDP_DIR_UNSET), "sendrecv");
    assert_string_equal(parley_sdp_dir_name(PARLEY_SDP_SENDRECV), "sendrecv");
    assert_string_equal(parley_sdp_dir_name(PARLEY_SDP_SENDONLY), "sendonly");
    assert_string_equal(parley_sdp_dir_name(PARLEY_SDP_RECVONLY), "recvonly");
    assert_string_equal(parley_sdp_dir_name(PARLEY_SDP_INACTIVE), "inactive");
    assert_null(parley_sdp_attr_find(NULL, 0, "x", 0));
}

/* parley_sdp_find on single bodies: the type/subtype in any case, then nothing, parameters or
 * LWS; the body itself comes back. */
static void test_find_plain(void **state)
{
    (void)state;
    static const char *yes[] = {"application/sdp", "Application/SDP", "application/sdp;level=1",
                                "application/sdp ;x=1", "APPLICATION/sdp\t"};
    static const char *no[] = {"",
                               "application",
                               "application/",
                               "application/sd",
                               "application/sdpx",
                               "application/sdp/x",
                               "text/sdp",
                               "xapplication/sdp",
                               "application/*",
                               "*/*",
                               "multipart/mixed",
                               "multipart/mixed;boundary=x"};
    parley_content sdp;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        parley_content c = {yes[i], "v=0", 3};
        memset(&sdp, 0, sizeof(sdp));
        assert_int_equal(parley_sdp_find(&c, &sdp), 1);
        assert_ptr_equal(sdp.body, c.body);
        assert_int_equal(sdp.len, 3);
        assert_ptr_equal(sdp.content_type, yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        parley_content c = {no[i], "v=0", 3};
        assert_int_equal(parley_sdp_find(&c, &sdp), 0);
    }
    parley_content untyped = {NULL, "v=0", 3};
    assert_int_equal(parley_sdp_find(&untyped, &sdp), 0);
    assert_int_equal(parley_sdp_find(NULL, &sdp), 0);
    assert_int_equal(parley_sdp_find(&untyped, NULL), 0);
}

/* parley_sdp_find in multipart bodies (RFC 5621): the SDP part of a SIP-T INVITE (ISUP
 * optional), of alternatives, with a quoted boundary, LF line ends, a preamble and an
 * epilogue; refused when another part must be understood (handling=required, or no
 * disposition), when the SDP is not a session description, when the body does not end with
 * the close delimiter, and for a boundary that is only the start of the one in use. */
static void test_find_multipart(void **state)
{
    (void)state;
    static const char sdp_text[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
    static const struct {
        const char *ctype;
        const char *body;
        int found;
    } cases[] = {
        {"multipart/mixed;boundary=unique-boundary-1",
         "--unique-boundary-1\r\nContent-Type: application/SDP\r\n\r\n"
         "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n\r\n"
         "--unique-boundary-1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n"
         "Content-Disposition: signal; handling=optional\r\n\r\n\x01\x7f\x60\r\n"
         "--unique-boundary-1--\r\n",
         1},
        {"Multipart/Alternative; boundary=\"b 1\"",
         "preamble\r\n--b 1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b 1\r\n"
         "Content-Type: application/sdp\r\nContent-Disposition: session\r\n\r\n"
         "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n\r\n--b 1--\r\nepilogue",
         1},
        {"multipart/related;type=application/sdp;boundary=x",
         "--x\nContent-Type: application/sdp\n\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n\n--x--",
         1},
        /* a part without disposition must be understood (handling defaults to required) */
        {"multipart/mixed;boundary=x",
         "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--x\r\n"
         "Content-Type: application/isup\r\n\r\n\x01\r\n--x--\r\n",
         0},
        {"multipart/mixed;boundary=x",
         "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--x\r\n"
         "Content-Type: application/pkcs7-signature\r\n"
         "Content-Disposition: attachment;handling=required\r\n\r\nsig\r\n--x--\r\n",
         0},
        /* SDP that is not the session's */
        {"multipart/mixed;boundary=x",
         "--x\r\nContent-Type: application/sdp\r\nContent-Disposition: render;handling=optional"
         "\r\n\r\nv=0\r\n--x--\r\n",
         0},
        /* no close delimiter */
        {"multipart/mixed;boundary=x", "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", 0},
        /* "--xy" is not a delimiter of boundary x: the part runs on to "--x--" */
        {"multipart/mixed;boundary=x",
         "--xy\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--\r\n", 0},
        /* no boundary, an empty one, one of 71 characters */
        {"multipart/mixed", "--\r\n\r\n----\r\n", 0},
        {"multipart/mixed;boundary=\"\"", "--\r\n\r\n----\r\n", 0},
        {"multipart/mixed;boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaa",
         "--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
         "Content-Type: application/sdp\r\n\r\nv=0\r\n"
         "--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--\r\n",
         0},
        /* a part with no empty line after its headers has no body */
        {"multipart/alternative;boundary=x", "--x\r\nContent-Type: application/sdp\r\n--x--\r\n",
         0},
        {"multipart/mixed;boundary=x", "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parley_content c = {cases[i].ctype, cases[i].body, strlen(cases[i].body)}, sdp = {0};
        int got = parley_sdp_find(&c, &sdp);
        if (got != cases[i].found)
            fail_msg("case %zu: %d", i, got);
        if (got) {
            assert_string_equal(sdp.content_type, "application/sdp");
            assert_int_equal(sdp.len, sizeof(sdp_text) - 1);
            assert_memory_equal(sdp.body, sdp_text, sdp.len);
        }
    }
    /* a binary part (NUL bytes) before the SDP: the parts are found by their delimiters */
    static const char bin[] = "--q\r\nContent-Type: application/isup\r\n"
                              "Content-Disposition: signal;handling=optional\r\n\r\n"
                              "\x00\x00--q\x00\r\n--q\r\nContent-Type: application/sdp\r\n\r\n"
                              "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n\r\n--q--";
    parley_content c = {"multipart/mixed; boundary=q", bin, sizeof(bin) - 1}, sdp = {0};
    assert_int_equal(parley_sdp_find(&c, &sdp), 1);
    assert_int_equal(sdp.len, sizeof(sdp_text) - 1);
    assert_memory_equal(sdp.body, sdp_text, sdp.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_files),
        cmocka_unit_test(test_full_session_fields),
        cmocka_unit_test(test_ipv6_fields),
        cmocka_unit_test(test_webrtc_fields),
        cmocka_unit_test(test_tolerates_lf_line_ends),
        cmocka_unit_test(test_tolerates_missing_final_line_end),
        cmocka_unit_test(test_tolerates_trailing_blanks_and_empty_lines),
        cmocka_unit_test(test_tolerates_runs_of_blanks_between_fields),
        cmocka_unit_test(test_keeps_unknown_line_types),
        cmocka_unit_test(test_tolerates_lines_out_of_order),
        cmocka_unit_test(test_tolerates_missing_name_and_time),
        cmocka_unit_test(test_tolerates_rejected_stream_without_formats_or_address),
        cmocka_unit_test(test_tolerated_attribute_values),
        cmocka_unit_test(test_tolerates_case_of_network_types),
        cmocka_unit_test(test_tolerates_bracketed_ipv6),
        cmocka_unit_test(test_rejects_malformed_lines),
        cmocka_unit_test(test_rejects_bad_fields),
        cmocka_unit_test(test_rejects_active_media_without_address),
        cmocka_unit_test(test_error_offsets),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_print_is_snprintf_like),
        cmocka_unit_test(test_dir_names),
        cmocka_unit_test(test_find_plain),
        cmocka_unit_test(test_find_multipart),
    };
    return cmocka_run_group_tests_name("sdp_parse", tests, NULL, NULL);
}
