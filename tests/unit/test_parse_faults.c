/*
 * Every fault the message parser records (src/sip/parse.c, hdr_parse.c, and the URI faults as
 * they surface in headers): its code, the status a server answers with, the part at fault, the
 * reason and the byte offset; the order of severity when there are several; the limits.
 */
#include "msg_build.h"

typedef struct fault_case {
    mb_parts p;
    int code;
    int status;
    const char *what;
    const char *reason;
    const char *at; /* see mb_offset_of; NULL: offset -1 */
} fault_case;

#define PARSE(...)    PARLEY_E_PARSE, 400, __VA_ARGS__
#define UNUSABLE(...) PARLEY_E_UNUSABLE, 400, __VA_ARGS__

static void run_cases(const fault_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const fault_case *c = &cases[i];
        int rc;
        sip_msg *m = mb_parse(&c->p, &rc);
        if (rc != c->code || !m->err.reason || strcmp(m->err.reason, c->reason) != 0 ||
            m->err.offset != (c->at ? mb_offset_of(m, c->at) : -1))
            print_message("case %zu: %s: %s (at '%s')\n", i, c->what, c->reason,
                          c->at ? c->at : "-");
        mb_assert_fault(m, rc, c->code, c->status, c->what, c->reason, c->at);
        /* an invalid message still renders as JSON, marked invalid, with its offset */
        char *j = tu_json(m, rc);
        char head[96];
        snprintf(head, sizeof(head), "{\"valid\":false,\"error\":\"%s: ", c->what);
        assert_memory_equal(j, head, strlen(head));
        char off[48];
        snprintf(off, sizeof(off), "\",\"offset\":%ld", m->err.offset);
        assert_non_null(strstr(j, off));
        free(j);
        sip_msg_free(m);
    }
}
#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- start line ---- */

static void test_request_line_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.start = "INVITE sip:bob@example.com SIP/2.0x"},
         PARSE("Request-Line", "malformed SIP version", "SIP/2.0x")},
        {{.start = "INVITE sip:bob@example.com HTTP/1.1"},
         PARSE("Request-Line", "malformed SIP version", "HTTP/1.1")},
        {{.start = "INVITE sip:bob@example.com SIP/2"},
         PARSE("Request-Line", "malformed SIP version", "SIP/2\r")},
        {{.start = "INVITE sip:bob@example.com SIP/.0"},
         PARSE("Request-Line", "malformed SIP version", "SIP/.0")},
        {{.start = "INVITE sip:bob@example.com SIP/2."},
         PARSE("Request-Line", "malformed SIP version", "SIP/2.")},
        {{.start = "INVITE sip:bob@example.com SIP/2.0.1"},
         PARSE("Request-Line", "malformed SIP version", "SIP/2.0.1")},
        {{.start = "INVITE sip:bob@example.com SIP/a.b"},
         PARSE("Request-Line", "malformed SIP version", "SIP/a.b")},
        {{.start = "INVITE sip:bob@example.com SIP/2.1"},
         PARLEY_E_UNUSABLE,
         505,
         "SIP-Version",
         "unsupported SIP version",
         "SIP/2.1"},
        {{.start = "INVITE sip:bob@example.com SIP/20.0"},
         PARLEY_E_UNUSABLE,
         505,
         "SIP-Version",
         "unsupported SIP version",
         "SIP/20.0"},
        {{.start = "INVITE"},
         PARSE("Request-Line", "missing Request-URI and SIP version", "INVITE|\r\n")},
        {{.start = "INV@ITE sip:bob@example.com SIP/2.0"},
         PARSE("Request-Line", "invalid character in method", "@ITE")},
        {{.start = "INV\"ITE sip:bob@example.com SIP/2.0"},
         PARSE("Request-Line", "invalid character in method", "\"ITE")},
        {{.start = " INVITE sip:bob@example.com SIP/2.0"},
         PARSE("Request-Line", "empty method", " INVITE")},
        {{.start = "INVITE sip:bob@example.com SIP/2.0 "},
         PARSE("Request-Line", "trailing whitespace in Request-Line", "SIP/2.0| \r\n")},
        {{.start = "INVITE sip:bob@example.com SIP/2.0\t"},
         PARSE("Request-Line", "trailing whitespace in Request-Line", "SIP/2.0|\t")},
        {{.start = "INVITE sip:bob@example.com"},
         PARSE("Request-Line", "missing SIP version", "example.com|\r\n")},
        {{.start = "INVITE sip:bob@example.com\tSIP/2.0"},
         PARSE("Request-Line", "missing SIP version", "SIP/2.0|\r\n")},
        {{.start = "INVITE  sip:bob@example.com SIP/2.0"},
         PARSE("Request-URI", "whitespace in Request-URI", "INVITE | sip:")},
        {{.start = "INVITE sip:bob@exa\tmple.com SIP/2.0"},
         PARSE("Request-URI", "whitespace in Request-URI", "\tmple")},
        {{.start = "INVITE sip:bob@example.com  SIP/2.0"},
         PARSE("Request-URI", "whitespace in Request-URI", "example.com| ")},
        {{.start = "INVITE <sip:bob@example.com> SIP/2.0"},
         PARSE("Request-URI", "URI must start with a scheme", "<sip:bob")},
        {{.start = "INVITE sip:bob@[::1 SIP/2.0"},
         PARSE("Request-URI", "unterminated IPv6 reference", "[::1")},
        {{.start = "INVITE sip:b%zzob@example.com SIP/2.0"},
         PARSE("Request-URI", "bad escape in URI user", "%zz")},
        {{.start = "INVITE sip:bob@example.com;lr= SIP/2.0"},
         PARSE("Request-URI", "empty URI parameter value", "lr=| SIP")},
        {{.start = "INVITE tel:+1+2 SIP/2.0"},
         PARSE("Request-URI", "invalid telephone number", "+1+2")},
        {{.start = "INVITE sip:bob@example.com?Subject=x SIP/2.0"},
         UNUSABLE("Request-URI", "headers are not allowed in the Request-URI", "?Subject")},
    };
    RUN(cases);
}

static void test_status_line_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.start = "SIP/2.0x 200 OK"}, PARSE("Status-Line", "malformed SIP version", "SIP/2.0x")},
        {{.start = "SIP/ 200 OK"}, PARSE("Status-Line", "malformed SIP version", "SIP/ 200")},
        {{.start = "SIP/2.1 200 OK"},
         PARLEY_E_UNUSABLE,
         505,
         "Status-Line",
         "unsupported SIP version",
         "SIP/2.1"},
        {{.start = "SIP/2.0"}, PARSE("Status-Line", "missing status code", "SIP/2.0|\r\n")},
        {{.start = "SIP/2.0 20 OK"},
         PARSE("Status-Line", "status code is not three digits", "20 OK")},
        {{.start = "SIP/2.0 2000 OK"},
         PARSE("Status-Line", "status code is not three digits", "2000 OK")},
        {{.start = "SIP/2.0 20x OK"},
         PARSE("Status-Line", "status code is not three digits", "20x OK")},
        {{.start = "SIP/2.0 200OK"},
         PARSE("Status-Line", "status code is not three digits", "200OK")},
        {{.start = "SIP/2.0 200\tOK"},
         PARSE("Status-Line", "status code is not three digits", "200\tOK")},
        {{.start = "SIP/2.0  200 OK"},
         PARSE("Status-Line", "status code is not three digits", "SIP/2.0 | 200")},
        {{.start = "SIP/2.0 "},
         PARSE("Status-Line", "status code is not three digits", "SIP/2.0 |\r")},
        {{.start = "SIP/2.0 099 Low"}, PARSE("Status-Line", "status code out of range", "099")},
        {{.start = "SIP/2.0 000 Zero"}, PARSE("Status-Line", "status code out of range", "000")},
        {{.start = "SIP/2.0 700 High"}, PARSE("Status-Line", "status code out of range", "700")},
        {{.start = "SIP/2.0 999 High"}, PARSE("Status-Line", "status code out of range", "999")},
    };
    RUN(cases);
}

/* ---- message framing ---- */

static void test_message_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.raw = ""}, PARSE("message", "no complete start line", "")},
        {{.raw = "\r\n\r\n"}, PARSE("message", "no complete start line", "\r\n\r\n|")},
        {{.raw = "INVITE sip:b@h SIP/2.0"}, PARSE("message", "no complete start line", "SIP/2.0|")},
        {{.raw = "INVITE sip:b@h\r SIP/2.0\r\n\r\n"},
         PARSE("message", "bare CR inside a line", "\r SIP")},
        {{.raw = "INVITE sip:b@h SIP/2.0\r\r\n\r\n"},
         PARSE("message", "bare CR inside a line", "2.0|\r\r")},
        {{.via = "Via: SIP/2.0/UDP h\rx"}, PARSE("headers", "bare CR inside a line", "\rx")},
        {{.raw = "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"},
         PARSE("headers", "header section does not end with an empty line", "h\r\n|")},
        {{.raw = "INVITE sip:b@h SIP/2.0\r\nCSeq: 1 INVITE"},
         PARSE("headers", "header section does not end with an empty line", "1 INVITE|")},
        {{.raw = "INVITE sip:b@h SIP/2.0\r\n"},
         PARSE("headers", "header section does not end with an empty line", "2.0\r\n|")},
        {{.raw = "INVITE sip:b@h SIP/2.0\r\n folded\r\n\r\n"},
         PARSE("headers", "continuation line without a header field", " folded")},
        {{.extra = "Subject nocolon\r\n"},
         PARSE("headers", "missing ':' after header name", "nocolon")},
        {{.extra = "Sub ject: x\r\n"}, PARSE("headers", "missing ':' after header name", "ject:")},
        {{.extra = "X@Y: z\r\n"}, PARSE("headers", "missing ':' after header name", "@Y")},
        {{.extra = "Subject\r\n"}, PARSE("headers", "missing ':' after header name", "Subject|\r")},
        {{.extra = ":value\r\n"}, PARSE("headers", "invalid header name", ":value")},
        {{.extra = "\"X\": y\r\n"}, PARSE("headers", "invalid header name", "\"X\"")},
        {{.extra = "Subject: ok\r\nNo colon here\r\n"},
         PARSE("headers", "missing ':' after header name", "No |colon")},
    };
    RUN(cases);
}

static void test_unusable_messages(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.via = ""}, UNUSABLE("Via", "missing mandatory header field", NULL)},
        {{.from = ""}, UNUSABLE("From", "missing mandatory header field", NULL)},
        {{.to = ""}, UNUSABLE("To", "missing mandatory header field", NULL)},
        {{.call_id = ""}, UNUSABLE("Call-ID", "missing mandatory header field", NULL)},
        {{.cseq = ""}, UNUSABLE("CSeq", "missing mandatory header field", NULL)},
        {{.start = "SIP/2.0 200 OK", .via = ""},
         UNUSABLE("Via", "missing mandatory header field", NULL)},
        {{.raw = "OPTIONS sip:b@h SIP/2.0\r\n\r\n"},
         UNUSABLE("Via", "missing mandatory header field", NULL)},
        {{.cseq = "CSeq: 1 BYE"},
         UNUSABLE("CSeq", "method does not match the request method", "CSeq: 1 BYE")},
        {{.cseq = "CSeq: 1 invite"},
         UNUSABLE("CSeq", "method does not match the request method", "CSeq: 1 invite")},
        {{.start = "ACK sip:b@h SIP/2.0"},
         UNUSABLE("CSeq", "method does not match the request method", "CSeq:")},
        {{.extra = "From: <sip:x@y>;tag=2\r\n"},
         UNUSABLE("From", "header field appears more than once", "From: <sip:x@y>")},
        {{.extra = "t: <sip:x@y>\r\n"},
         UNUSABLE("To", "header field appears more than once", "t: <sip:x@y>")},
        {{.extra = "i: other@h\r\n"},
         UNUSABLE("Call-ID", "header field appears more than once", "i: other")},
        {{.extra = "CSeq: 1 INVITE\r\n"},
         UNUSABLE("CSeq", "header field appears more than once", "70\r\n|CSeq")},
        {{.extra = "Max-Forwards: 70\r\n"},
         UNUSABLE("Max-Forwards", "header field appears more than once", "70\r\n|Max-Forwards")},
        {{.extra = "Content-Type: a/b\r\nc: a/b\r\n"},
         UNUSABLE("Content-Type", "header field appears more than once", "c: a/b")},
        {{.extra = "Content-Length: 0\r\n"},
         UNUSABLE("Content-Length", "header field appears more than once",
                  ": 0\r\n|Content-Length")},
        {{.cl = "Content-Length: 10", .body = "abc"},
         UNUSABLE("Content-Length", "larger than the body", "10\r\n")},
        {{.cl = "l:  4", .body = ""}, UNUSABLE("Content-Length", "larger than the body", "4\r\n")},
        {{.cl = "", .flags = PARLEY_PARSE_STREAM},
         UNUSABLE("Content-Length", "required on a stream", NULL)},
        {{.cl = "", .body = "abc", .flags = PARLEY_PARSE_STREAM},
         UNUSABLE("Content-Length", "required on a stream", NULL)},
    };
    RUN(cases);
}

/* ---- typed headers ---- */

static void test_via_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.via = "Via:"}, PARSE("Via", "malformed sent-protocol", "Via:|\r\n")},
        {{.via = "Via:    "}, PARSE("Via", "malformed sent-protocol", "Via:| ")},
        {{.via = "Via: SIP h"}, PARSE("Via", "malformed sent-protocol", "SIP| h")},
        {{.via = "Via: SIP/2.0 h"}, PARSE("Via", "malformed sent-protocol", "2.0| h")},
        {{.via = "Via: /2.0/UDP h"}, PARSE("Via", "malformed sent-protocol", "/2.0/UDP")},
        {{.via = "Via: SIP//UDP h"}, PARSE("Via", "malformed sent-protocol", "SIP/|/UDP")},
        {{.via = "Via: SIP/2.0/;branch=x"}, PARSE("Via", "missing transport", ";branch=x")},
        {{.via = "Via: SIP/2.0/UDP"}, PARSE("Via", "missing space before sent-by", "UDP|\r\n")},
        {{.via = "Via: SIP/2.0/UDP;branch=x"},
         PARSE("Via", "missing space before sent-by", ";branch=x")},
        {{.via = "Via: SIP/2.0/UDP [::1"}, PARSE("Via", "invalid IPv6 reference", "[::1")},
        {{.via = "Via: SIP/2.0/UDP [::1::2]:5060"},
         PARSE("Via", "invalid IPv6 reference", "[::1::2]")},
        {{.via = "Via: SIP/2.0/UDP []"}, PARSE("Via", "invalid IPv6 reference", "[]")},
        {{.via = "Via: SIP/2.0/UDP ;branch=x"}, PARSE("Via", "missing host", ";branch=x")},
        {{.via = "Via: SIP/2.0/UDP @h"}, PARSE("Via", "missing host", "@h")},
        {{.via = "Via: SIP/2.0/UDP h:0"}, PARSE("Via", "invalid port", "h:|0")},
        {{.via = "Via: SIP/2.0/UDP h:65536"}, PARSE("Via", "invalid port", "65536")},
        {{.via = "Via: SIP/2.0/UDP h:99999999999999999999"},
         PARSE("Via", "invalid port", "99999999999999999999")},
        {{.via = "Via: SIP/2.0/UDP h:"}, PARSE("Via", "invalid port", "h:|\r\n")},
        {{.via = "Via: SIP/2.0/UDP h:abc"}, PARSE("Via", "invalid port", "abc")},
        {{.via = "Via: SIP/2.0/UDP h;=x"}, PARSE("Via", "empty parameter name", "=x")},
        {{.via = "Via: SIP/2.0/UDP h;branch=z9;"},
         PARSE("Via", "empty parameter name", "z9;|\r\n")},
        {{.via = "Via: SIP/2.0/UDP h;;branch=z9"}, PARSE("Via", "empty parameter name", ";|;")},
        {{.via = "Via: SIP/2.0/UDP h;branch="},
         PARSE("Via", "empty parameter value", "branch=|\r\n")},
        {{.via = "Via: SIP/2.0/UDP h;branch=;rport"},
         PARSE("Via", "empty parameter value", "branch=|;rport")},
        {{.via = "Via: SIP/2.0/UDP h;x=\"abc"},
         PARSE("Via", "unterminated quoted string", "\"abc")},
        {{.via = "Via: SIP/2.0/UDP h;x=\"a\x01z\""},
         PARSE("Via", "unterminated quoted string", "\x01z")},
        {{.via = "Via: SIP/2.0/UDP h;maddr=[zz]"},
         PARSE("Via", "invalid IPv6 reference in parameter", "[zz]")},
        {{.via = "Via: SIP/2.0/UDP h;received=[::1"},
         PARSE("Via", "invalid IPv6 reference in parameter", "[::1")},
        {{.via = "Via: SIP/2.0/UDP h;branch=z9hG4bKx junk"},
         PARSE("Via", "unexpected text after Via value", "junk")},
        {{.via = "Via: SIP/2.0/UDP h;branch=z9 , , SIP/2.0/UDP g"},
         PARSE("Via", "malformed sent-protocol", ", |, SIP")},
        {{.via = "Via: SIP/2.0/UDP h,"}, PARSE("Via", "malformed sent-protocol", "h,|\r\n")},
        {{.via = "Via: SIP/2.0/UDP h <x>"}, PARSE("Via", "unexpected text after Via value", "<x>")},
        {{.extra = "Via: SIP/2.0/UDP second junk\r\n"},
         PARSE("Via", "unexpected text after Via value", "junk")},
    };
    RUN(cases);
}

static void test_name_addr_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.from = "From:"}, PARSE("From", "empty URI", "From:|\r\n")},
        {{.from = "From: \"Alice <sip:a@h>"},
         PARSE("From", "unterminated quoted string", "\"Alice")},
        {{.from = "From: \"A\\\x80\" <sip:a@h>"},
         PARSE("From", "unterminated quoted string", "\\\x80")},
        {{.from = "From: \"A\x7f\" <sip:a@h>"},
         PARSE("From", "unterminated quoted string", "\x7f")},
        {{.from = "From: \"Alice\" sip:a@h;tag=1"},
         PARSE("From", "expected '<' after display name", "sip:a@h;tag")},
        {{.from = "From: \"Alice\""}, PARSE("From", "expected '<' after display name", "\"|\r\n")},
        {{.from = "From: <sip:a@h;tag=1"}, PARSE("From", "missing '>'", "<sip:a@h;tag=1")},
        {{.from = "From: Alice <sip:a@h"}, PARSE("From", "missing '>'", "<sip:a@h")},
        {{.from = "From: <sip:a @h>;tag=1"}, PARSE("From", "whitespace inside <URI>", "sip:a @h")},
        {{.from = "From: <\r\n sip:a@h>;tag=1"},
         PARSE("From", "whitespace inside <URI>", "<|\r\n sip")},
        {{.from = "From: <>;tag=1"}, PARSE("From", "empty URI", "<|>")},
        {{.from = "From: <sip:a@-h>;tag=1"},
         PARSE("From", "host label starts or ends with '-'", "-h>")},
        {{.from = "From: <sip:a@h:0>"}, PARSE("From", "port out of range", "h:|0>")},
        {{.from = "From: sip:a@h?x=y;tag=1"},
         PARSE("From", "URI with headers must be enclosed in <>", "?x=y")},
        {{.from = "From: sip:a@h>;tag=1"}, PARSE("From", "invalid character in address", ">;tag")},
        {{.from = "From: sip:a\"b@h;tag=1"},
         PARSE("From", "invalid character in address", "\"b@h")},
        {{.from = "From: sip:a<b@h"}, PARSE("From", "invalid character in address", "<b@h")},
        {{.from = "From: Alice Smith sip:a@h"},
         PARSE("From", "missing ':' after URI scheme", "Alice| Smith")},
        {{.from = "From: Alice \"Smith\" <sip:a@h>"},
         PARSE("From", "missing ':' after URI scheme", "Alice| \"Smith")},
        {{.from = "From: <sip:a@h>;tag=1;=x"}, PARSE("From", "empty parameter name", "=x")},
        {{.from = "From: <sip:a@h>;"}, PARSE("From", "empty parameter name", ">;|\r\n")},
        {{.from = "From: <sip:a@h>;tag="}, PARSE("From", "empty parameter value", "tag=|\r\n")},
        {{.from = "From: <sip:a@h>;tag=\"x"}, PARSE("From", "unterminated quoted string", "\"x")},
        {{.from = "From: <sip:a@h>;tag=[::g]"},
         PARSE("From", "invalid IPv6 reference in parameter", "[::g]")},
        {{.from = "From: <sip:a@h>;tag=1 junk"},
         PARSE("From", "unexpected text after address", "junk")},
        {{.from = "From: <sip:a@h>;tag=1, <sip:b@h>"},
         PARSE("From", "unexpected text after address", ", <sip:b@h>")},
        {{.from = "From: <sip:a@h>;tag=a:b"},
         PARSE("From", "unexpected text after address", ":b\r\n")},
        {{.to = "To: <sip:b@h> <sip:c@h>"},
         PARSE("To", "unexpected text after address", "<sip:c@h>")},
        {{.to = "To: 1sip:b@h"}, PARSE("To", "URI must start with a scheme", "1sip")},
        {{.to = "To: sip:b@h;tag=\"unterminated"},
         PARSE("To", "unterminated quoted string", "\"unterminated")},
    };
    RUN(cases);
}

static void test_list_header_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.extra = "Contact: <sip:a@h>, <sip:b@h> x\r\n"},
         PARSE("Contact", "unexpected text after address", "b@h> |x")},
        {{.extra = "Contact: *, <sip:a@h>\r\n"},
         PARSE("Contact", "URI must start with a scheme", "*,")},
        {{.extra = "Contact: *;expires=0\r\n"},
         PARSE("Contact", "URI must start with a scheme", "*;")},
        {{.extra = "m: <sip:a@h>,\r\n"}, PARSE("Contact", "empty URI", ">,|\r\n")},
        {{.extra = "Contact: ,<sip:a@h>\r\n"}, PARSE("Contact", "empty URI", "Contact: |,")},
        {{.extra = "Contact: <sip:a@h>;q=\r\n"},
         PARSE("Contact", "empty parameter value", "q=|\r\n")},
        {{.extra = "Contact:\r\n"}, PARSE("Contact", "empty URI", "Contact:|\r\n")},
        {{.extra = "Route: <sip:p1@h;lr> <sip:p2@h>\r\n"},
         PARSE("Route", "unexpected text after address", "<sip:p2")},
        {{.extra = "Route: <sip:p1@h;lr>,<sip:p2@h:x>\r\n"},
         PARSE("Route", "missing port number", "h:|x>")},
        {{.extra = "Record-Route: <sip:p1@h;lr\r\n"},
         PARSE("Record-Route", "missing '>'", "<sip:p1")},
        {{.extra = "Record-Route: <sip:p1@h;lr>;=\r\n"},
         PARSE("Record-Route", "empty parameter name", "lr>;|=")},
    };
    RUN(cases);
}

static void test_scalar_header_faults(void **state)
{
    (void)state;
    static const fault_case cases[] = {
        {{.call_id = "Call-ID: a b"}, PARSE("Call-ID", "invalid character", "Call-ID: a| b")},
        {{.call_id = "Call-ID: a@"}, PARSE("Call-ID", "invalid character", "a@|\r\n")},
        {{.call_id = "Call-ID: @b"}, PARSE("Call-ID", "invalid character", "Call-ID: |@b")},
        {{.call_id = "Call-ID: a@b@c"}, PARSE("Call-ID", "invalid character", "a@b|@c")},
        {{.call_id = "Call-ID: a;b"}, PARSE("Call-ID", "invalid character", "a|;b")},
        {{.call_id = "Call-ID: a,b"}, PARSE("Call-ID", "invalid character", ",b")},
        {{.call_id = "Call-ID: \xc3\xa9t\xc3\xa9"},
         PARSE("Call-ID", "invalid character", "\xc3\xa9t")},
        {{.call_id = "Call-ID:"}, PARSE("Call-ID", "invalid character", "Call-ID:|\r\n")},
        {{.cseq = "CSeq: INVITE"}, PARSE("CSeq", "missing sequence number", "CSeq: |INVITE")},
        {{.cseq = "CSeq: -1 INVITE"}, PARSE("CSeq", "missing sequence number", "-1 INVITE")},
        {{.cseq = "CSeq:"}, PARSE("CSeq", "missing sequence number", "CSeq:|\r\n")},
        {{.cseq = "CSeq: 4294967296 INVITE"},
         PARSE("CSeq", "sequence number too large", "4294967296")},
        {{.cseq = "CSeq: 36893488147419103232 INVITE"},
         PARSE("CSeq", "sequence number too large", "36893488147419103232")},
        {{.cseq = "CSeq: 1INVITE"}, PARSE("CSeq", "missing space before method", "CSeq: 1|INVITE")},
        {{.cseq = "CSeq: 1"}, PARSE("CSeq", "missing space before method", "CSeq: 1|\r\n")},
        {{.cseq = "CSeq: 1 INVITE x"}, PARSE("CSeq", "malformed method", "INVITE |x")},
        {{.cseq = "CSeq: 1 INV@ITE"}, PARSE("CSeq", "malformed method", "@ITE")},
        {{.cseq = "CSeq: 1 ;"}, PARSE("CSeq", "malformed method", "CSeq: 1 |;")},
        {{.max_forwards = "Max-Forwards: 256"}, PARSE("Max-Forwards", "value out of range", "256")},
        {{.max_forwards = "Max-Forwards: 99999999999999999999999"},
         PARSE("Max-Forwards", "value out of range", "99999999999999999999999")},
        {{.max_forwards = "Max-Forwards: -1"},
         PARSE("Max-Forwards", "negative value", "Forwards: |-1")},
        {{.max_forwards = "Max-Forwards:"}, PARSE("Max-Forwards", "empty value", "Forwards:|\r\n")},
        {{.max_forwards = "Max-Forwards: 7 0"}, PARSE("Max-Forwards", "not a number", "7| 0")},
        {{.max_forwards = "Max-Forwards: 0x10"}, PARSE("Max-Forwards", "not a number", "x10")},
        {{.max_forwards = "Max-Forwards: +1"}, PARSE("Max-Forwards", "not a number", "+1")},
        {{.cl = "Content-Length: -1"}, PARSE("Content-Length", "negative value", "Length: |-1")},
        {{.cl = "Content-Length: 2147483648"},
         PARSE("Content-Length", "value out of range", "2147483648")},
        {{.cl = "Content-Length: 99999999999999999999"},
         PARSE("Content-Length", "value out of range", "99999999999999999999")},
        {{.cl = "Content-Length: abc"}, PARSE("Content-Length", "not a number", "abc")},
        {{.cl = "Content-Length: 1 2"}, PARSE("Content-Length", "not a number", "1| 2")},
        {{.cl = "Content-Length:"}, PARSE("Content-Length", "empty value", "Length:|\r\n")},
        {{.extra = "Content-Type: application\r\n"},
         PARSE("Content-Type", "malformed media type", "application|\r\n")},
        {{.extra = "Content-Type: /sdp\r\n"},
         PARSE("Content-Type", "malformed media type", "/sdp")},
        {{.extra = "Content-Type:\r\n"},
         PARSE("Content-Type", "malformed media type", "Content-Type:|\r\n")},
        {{.extra = "Content-Type: application/\r\n"},
         PARSE("Content-Type", "malformed media subtype", "application/|\r\n")},
        {{.extra = "Content-Type: application/;x=1\r\n"},
         PARSE("Content-Type", "malformed media subtype", "/|;x=1")},
        {{.extra = "Content-Type: application/sdp;\r\n"},
         PARSE("Content-Type", "empty parameter name", "sdp;|\r\n")},
        {{.extra = "Content-Type: text/plain;charset=\r\n"},
         PARSE("Content-Type", "empty parameter value", "charset=|\r\n")},
        {{.extra = "Content-Type: text/plain;charset=\"utf\r\n"},
         PARSE("Content-Type", "unterminated quoted string", "\"utf")},
        {{.extra = "Content-Type: application/sdp x\r\n"},
         PARSE("Content-Type", "unexpected text", "sdp |x")},
        {{.extra = "Content-Type: application/sdp, text/plain\r\n"},
         PARSE("Content-Type", "unexpected text", ", text")},
        {{.extra = "Date: Sat, 13 Nov 2010 23:29:00 PST\r\n"},
         PARSE("Date", "not an RFC 1123 date in GMT", "Sat, 13")},
        {{.extra = "Date: Sat, 1 Nov 2010 23:29:00 GMT\r\n"},
         PARSE("Date", "not an RFC 1123 date in GMT", "Sat, 1 ")},
    };
    RUN(cases);
}

static void test_date_faults(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Date: Sat, 13 Nov 2010 23:29:00",     "Date: Sat 13 Nov 2010 23:29:00 GMT",
        "Date: Sun, 13 Nov 10 23:29:00 GMT",   "Date: Sat, 13 November 2010 23:29:00 GMT",
        "Date: Xyz, 13 Nov 2010 23:29:00 GMT", "Date: Sat, 13 Xyz 2010 23:29:00 GMT",
        "Date: Sat, 13 Nov 2010 23:29 GMT",    "Date: Sat, 13 Nov 2010 23.29.00 GMT",
        "Date: sat, 13 nov 2010 23:29:00 gmt", "Date: Sat, 13 Nov 2010 23:29:00 GMTX",
        "Date: 2010-11-13T23:29:00Z",          "Date:",
        "Date: Sat, aa Nov 2010 23:29:00 GMT", "Date: Sat, 13 Nov 20x0 23:29:00 GMT",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "%s\r\n", bad[i]);
        int rc;
        sip_msg *m = MB_PARSE(&rc, .extra = extra);
        const char *at = strchr(bad[i], ':') + 1;
        while (*at == ' ')
            at++;
        char needle[128];
        snprintf(needle, sizeof(needle), "Date: |%s\r\n", at);
        if (!*at)
            snprintf(needle, sizeof(needle), "Date:|\r\n");
        mb_assert_fault(m, rc, PARLEY_E_PARSE, 400, "Date", "not an RFC 1123 date in GMT", needle);
        sip_msg_free(m);
    }
}

/* ---- several faults: the most severe, then the first, wins ---- */

static void test_fault_severity(void **state)
{
    (void)state;
    int rc;
    /* unusable (duplicate From, then a version 505) loses to malformed (CSeq) */
    sip_msg *m = MB_PARSE(&rc, .start = "INVITE sip:b@h SIP/2.1",
                          .extra = "From: <sip:x@y>;tag=2\r\n", .cseq = "CSeq: x INVITE");
    mb_assert_fault(m, rc, PARLEY_E_PARSE, 400, "CSeq", "missing sequence number", "x INVITE");
    sip_msg_free(m);
    /* of two malformed fields, the first in the message is reported */
    m = MB_PARSE(&rc, .via = "Via: SIP/2.0/UDP h:0", .call_id = "Call-ID: a b");
    mb_assert_fault(m, rc, PARLEY_E_PARSE, 400, "Via", "invalid port", "h:|0");
    sip_msg_free(m);
    /* of two unusable faults, the first found (start line before headers) */
    m = MB_PARSE(&rc, .start = "INVITE sip:b@h SIP/3.0", .to = "");
    mb_assert_fault(m, rc, PARLEY_E_UNUSABLE, 505, "SIP-Version", "unsupported SIP version",
                    "SIP/3.0");
    sip_msg_free(m);
    m = MB_PARSE(&rc, .to = "", .cl = "Content-Length: 5");
    mb_assert_fault(m, rc, PARLEY_E_UNUSABLE, 400, "To", "missing mandatory header field", NULL);
    sip_msg_free(m);
    /* a limit beats everything */
    sip_limits lim = {.max_list = 1};
    m = MB_PARSE(&rc, .via = "Via: SIP/2.0/UDP h:0", .extra = "Contact: <sip:a@h>, <sip:b@h>\r\n",
                 .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "Contact", "too many values in one field",
                    "<sip:b@h>");
    sip_msg_free(m);
}

static void test_invalid_keeps_fields(void **state)
{
    (void)state;
    /* a server answers 400 from what it could read: Via, From, To, Call-ID, CSeq */
    int rc;
    sip_msg *m = MB_PARSE(&rc, .to = "To: <sip:b@h;;>", .body = "abc");
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_string_equal(m->err.what, "To");
    assert_null(m->to);
    assert_non_null(m->from);
    assert_slice_equal(m->via->branch, "z9hG4bKdflt");
    assert_slice_equal(m->call_id, "call-1@example.com");
    assert_true(m->has_cseq);
    assert_int_equal(m->max_forwards, 70);
    assert_slice_equal(m->body, "abc");
    char *j = tu_json(m, rc);
    assert_non_null(strstr(j,
                           "\"via\":[{\"transport\":\"UDP\",\"host\":\"192.0.2.1\",\"port\":5060,"
                           "\"branch\":\"z9hG4bKdflt\"}]"));
    assert_non_null(strstr(j, "\"call_id\":\"call-1@example.com\""));
    assert_null(strstr(j, "\"to\":"));
    free(j);
    sip_msg_free(m);
    /* the header fields before a broken line are still there */
    m = MB_PARSE(&rc, .extra = "Bad Header\r\n");
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_int_equal(m->nhdrs, 6);
    assert_non_null(m->via);
    assert_true(m->has_cseq);
    assert_int_equal(m->consumed, m->data.len);
    sip_msg_free(m);
    /* a broken start line: the headers are still read */
    m = MB_PARSE(&rc, .start = "SIP/2.0 2x0 OK");
    assert_int_equal(rc, PARLEY_E_PARSE);
    assert_slice_equal(m->via->branch, "z9hG4bKdflt");
    assert_int_equal(m->status, 0);
    sip_msg_free(m);
}

/* ---- limits ---- */

static void test_limit_max_size(void **state)
{
    (void)state;
    char *t = mb_build(&(mb_parts){.body = "0123456789"});
    size_t len = strlen(t);
    int rc;
    sip_limits lim = {.max_size = len};
    sip_msg *m = mb_parse_text(t, len, 0, &lim, &rc);
    mb_assert_valid(m, rc);
    sip_msg_free(m);
    lim.max_size = len - 1;
    m = mb_parse_text(t, len, 0, &lim, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 513, "message", "message too large", NULL);
    assert_int_equal(m->data.len, len - 1); /* no more than max_size bytes were kept */
    /* of the header section, what a 513 needs: Via, From, To, Call-ID, CSeq */
    assert_int_equal(m->nhdrs, 5);
    assert_slice_equal(m->via->branch, "z9hG4bKdflt");
    assert_slice_equal(m->from->tag, "a1");
    assert_non_null(m->to);
    assert_slice_equal(m->call_id, "call-1@example.com");
    assert_true(m->has_cseq);
    assert_slice_equal(m->method, "INVITE");
    assert_int_equal(m->body.len, 0);
    char *j = tu_json(m, rc);
    static const char head[] =
        "{\"valid\":false,\"error\":\"message: message too large\",\"offset\":-1,";
    assert_memory_equal(j, head, sizeof(head) - 1);
    assert_non_null(strstr(j, "\"header_count\":5}"));
    free(j);
    sip_msg_free(m);
    free(t);
    /* the default: 64 KiB */
    size_t big = 65537;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    m = mb_parse_text(huge, big, 0, NULL, &rc);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 513, "message", "message too large", NULL);
    sip_msg_free(m);
    m = mb_parse_text(huge, 65536, 0, NULL, &rc);
    assert_int_equal(rc, PARLEY_E_PARSE); /* within the limit: read, and malformed */
    sip_msg_free(m);
    free(huge);
}

static void test_limit_max_headers(void **state)
{
    (void)state;
    /* the default message has 7 header fields */
    int rc;
    sip_limits lim = {.max_headers = 7};
    sip_msg *m = MB_PARSE(&rc, .limits = &lim);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nhdrs, 7);
    sip_msg_free(m);
    lim.max_headers = 6;
    m = MB_PARSE(&rc, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields",
                    "Content-Length");
    sip_msg_free(m);
    lim.max_headers = 1;
    m = MB_PARSE(&rc, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields", "From:");
    sip_msg_free(m);
    /* the default: 256 */
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int i = 0; i < 249; i++)
        pl_buf_printf(&b, "X-%d: %d\r\n", i, i);
    pl_buf_terminate(&b);
    m = MB_PARSE(&rc, .extra = b.data);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nhdrs, 256);
    sip_msg_free(m);
    pl_buf_puts(&b, "X-Last: 1\r\n");
    pl_buf_terminate(&b);
    m = MB_PARSE(&rc, .extra = b.data);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields",
                    "Content-Length");
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_limit_many_headers_configured(void **state)
{
    (void)state;
    /* well past the 16-bit doubling of the header table: 50000 fields */
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int i = 0; i < 50000; i++)
        pl_buf_puts(&b, "Z:\r\n");
    pl_buf_terminate(&b);
    sip_limits lim = {.max_size = 1u << 20, .max_headers = 60000};
    int rc;
    sip_msg *m = MB_PARSE(&rc, .extra = b.data, .limits = &lim);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nhdrs, 50007);
    pl_str n, v;
    assert_int_equal(parley_msg_header_at(m, 50005, &n, &v), 0);
    assert_slice_equal(n, "Z");
    assert_int_equal(parley_msg_header_at(m, 50006, &n, &v), 0);
    assert_slice_equal(n, "Content-Length");
    assert_int_equal(parley_msg_header(m, "z", 49999, &v), 0);
    assert_int_equal(parley_msg_header(m, "z", 50000, &v), PARLEY_E_NOTFOUND);
    sip_msg_free(m);
    /* a configured maximum above what the table can index is capped at 65534 fields */
    for (int i = 50000; i < 65527; i++)
        pl_buf_puts(&b, "Z:\r\n");
    pl_buf_terminate(&b);
    lim.max_headers = 1000000;
    m = MB_PARSE(&rc, .extra = b.data, .limits = &lim);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nhdrs, 65534);
    sip_msg_free(m);
    pl_buf_puts(&b, "Z:\r\n");
    pl_buf_terminate(&b);
    m = MB_PARSE(&rc, .extra = b.data, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "too many header fields",
                    "Content-Length");
    assert_int_equal(m->nhdrs, 65534);
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_limit_max_line(void **state)
{
    (void)state;
    int rc;
    /* the start line: its length without the line end */
    size_t start_len = strlen(MB_START);
    char subject[160];
    memset(subject, 0, sizeof(subject));
    memcpy(subject, "Subject: ", 9);
    memset(subject + 9, 's', 100);
    strcat(subject, "\r\n");
    size_t subject_len = strlen(subject); /* a header field counts its line end */
    sip_limits lim = {.max_line = subject_len};
    sip_msg *m = MB_PARSE(&rc, .extra = subject, .limits = &lim);
    mb_assert_valid(m, rc);
    sip_msg_free(m);
    lim.max_line = subject_len - 1;
    m = MB_PARSE(&rc, .extra = subject, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "header field too long", "Subject:");
    sip_msg_free(m);
    lim.max_line = start_len - 1;
    m = MB_PARSE(&rc, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 414, "Request-URI", "Request-URI too long",
                    "sip:bob@example.com SIP");
    assert_int_equal(m->nhdrs, 3); /* To, Call-ID, CSeq: Via and From are over that limit too */
    sip_msg_free(m);
    /* a request line whose Request-URI is too long (RFC 3261 §21.4.15): what a 414 needs is
     * read after it */
    char start[200];
    snprintf(start, sizeof(start), "INVITE sip:bob@%0100d.example.com SIP/2.0", 0);
    lim.max_line = 100;
    m = MB_PARSE(&rc, .start = start, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 414, "Request-URI", "Request-URI too long",
                    "sip:bob@000");
    assert_slice_equal(m->method, "INVITE");
    assert_int_equal(m->nhdrs, 5);
    assert_non_null(m->via);
    assert_true(m->has_cseq);
    sip_msg_free(m);
    /* a status line, or a request line whose method is not sound, is not read further */
    lim.max_line = start_len - 1;
    m = MB_PARSE(&rc, .start = "SIP/2.0 200 OK, and a long reason phrase", .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "message", "start line too long", "SIP/2.0");
    assert_int_equal(m->nhdrs, 0);
    sip_msg_free(m);
    m = MB_PARSE(&rc, .start = "INV@ITE sip:bob@example.com SIP/2.0", .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "message", "start line too long", "INV@ITE");
    assert_int_equal(m->nhdrs, 0);
    sip_msg_free(m);
    /* folded lines count together */
    static const char folded[] = "X-Folded: aaaaaaaaaaaaaaaaaaaa\r\n bbbbbbbbbbbbbbbbbbbb\r\n"
                                 " cccccccccccccccccccc\r\n";
    assert_true(sizeof(folded) - 2 > strlen(MB_VIA) + 2); /* longer than any other field */
    lim.max_line = sizeof(folded) - 1;
    m = MB_PARSE(&rc, .extra = folded, .limits = &lim);
    mb_assert_valid(m, rc);
    sip_msg_free(m);
    lim.max_line = sizeof(folded) - 2;
    m = MB_PARSE(&rc, .extra = folded, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "header field too long", "X-Folded");
    sip_msg_free(m);
    /* the default: 8 KiB */
    char *big = malloc(9000);
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'b', 8183);
    strcpy(big + 8190, "\r\n");
    m = MB_PARSE(&rc, .extra = big);
    mb_assert_valid(m, rc);
    sip_msg_free(m);
    memset(big + 7, 'b', 8184);
    strcpy(big + 8191, "\r\n");
    m = MB_PARSE(&rc, .extra = big);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "headers", "header field too long", "X-Big");
    sip_msg_free(m);
    free(big);
}

static void test_limit_max_list(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        const char *line; /* three values */
        const char *third;
    } lists[] = {
        {"Via",
         "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2, SIP/2.0/UDP c;branch="
         "z9hG4bK3\r\n",
         "SIP/2.0/UDP c"},
        {"Contact", "Contact: <sip:a@h>, <sip:b@h>, <sip:c@h>\r\n", "<sip:c@h>"},
        {"Route", "Route: <sip:a@h;lr>,<sip:b@h;lr>,<sip:c@h;lr>\r\n", "<sip:c@h;lr>"},
        {"Record-Route", "Record-Route: <sip:a@h>,<sip:b@h>,<sip:c@h>\r\n", "<sip:c@h>"},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        int rc;
        sip_limits lim = {.max_list = 3};
        sip_msg *m = MB_PARSE(&rc, .extra = lists[i].line, .limits = &lim);
        mb_assert_valid(m, rc);
        sip_msg_free(m);
        lim.max_list = 2;
        m = MB_PARSE(&rc, .extra = lists[i].line, .limits = &lim);
        mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, lists[i].what, "too many values in one field",
                        lists[i].third);
        sip_msg_free(m);
    }
    /* the limit is per field: the same values on separate lines pass */
    int rc;
    sip_limits lim = {.max_list = 1};
    sip_msg *m =
        MB_PARSE(&rc, .extra = "Contact: <sip:a@h>\r\nContact: <sip:b@h>\r\n", .limits = &lim);
    mb_assert_valid(m, rc);
    assert_non_null(m->contact->next);
    sip_msg_free(m);
    /* the default: 64 */
    pl_buf b;
    pl_buf_init(&b, 0);
    pl_buf_puts(&b, "Contact: <sip:0@h>");
    for (int i = 1; i < 64; i++)
        pl_buf_printf(&b, ",<sip:%d@h>", i);
    pl_buf_puts(&b, "\r\n");
    pl_buf_terminate(&b);
    m = MB_PARSE(&rc, .extra = b.data);
    mb_assert_valid(m, rc);
    b.len -= 2;
    pl_buf_puts(&b, ",<sip:64@h>\r\n");
    pl_buf_terminate(&b);
    sip_msg_free(m);
    m = MB_PARSE(&rc, .extra = b.data);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "Contact", "too many values in one field",
                    "<sip:64@h>");
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_limit_via_count(void **state)
{
    (void)state;
    /* at most 1024 Via values in a message, however they are spread over fields */
    pl_buf b;
    pl_buf_init(&b, 0);
    for (int line = 0; line < 16; line++) {
        pl_buf_puts(&b, "v: SIP/2.0/UDP h");
        for (int i = 1; i < 64; i++)
            pl_buf_puts(&b, ",SIP/2.0/UDP h");
        pl_buf_puts(&b, "\r\n");
    }
    pl_buf_terminate(&b);
    int rc;
    sip_limits lim = {.max_size = 1u << 20};
    sip_msg *m = MB_PARSE(&rc, .via = "", .extra = b.data, .limits = &lim);
    mb_assert_valid(m, rc);
    assert_int_equal(m->nvia, 1024);
    sip_msg_free(m);
    pl_buf_puts(&b, "v: SIP/2.0/UDP last\r\n");
    pl_buf_terminate(&b);
    m = MB_PARSE(&rc, .via = "", .extra = b.data, .limits = &lim);
    mb_assert_fault(m, rc, PARLEY_E_LIMIT, 400, "Via", "too many Via values", "SIP/2.0/UDP last");
    sip_msg_free(m);
    pl_buf_free(&b);
}

static void test_limits_zero_means_default(void **state)
{
    (void)state;
    sip_limits zero = {0};
    int rc;
    sip_msg *m = MB_PARSE(&rc, .limits = &zero);
    mb_assert_valid(m, rc);
    sip_msg_free(m);
    sip_limits init = PARLEY_PARSE_LIMITS_INIT;
    assert_int_equal(init.max_size, sip_default_limits.max_size);
    assert_int_equal(init.max_size, 65536);
    assert_int_equal(init.max_headers, 256);
    assert_int_equal(init.max_line, 8192);
    assert_int_equal(init.max_list, 64);
    assert_int_equal(init.max_nesting, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line_faults),
        cmocka_unit_test(test_status_line_faults),
        cmocka_unit_test(test_message_faults),
        cmocka_unit_test(test_unusable_messages),
        cmocka_unit_test(test_via_faults),
        cmocka_unit_test(test_name_addr_faults),
        cmocka_unit_test(test_list_header_faults),
        cmocka_unit_test(test_scalar_header_faults),
        cmocka_unit_test(test_date_faults),
        cmocka_unit_test(test_fault_severity),
        cmocka_unit_test(test_invalid_keeps_fields),
        cmocka_unit_test(test_limit_max_size),
        cmocka_unit_test(test_limit_max_headers),
        cmocka_unit_test(test_limit_many_headers_configured),
        cmocka_unit_test(test_limit_max_line),
        cmocka_unit_test(test_limit_max_list),
        cmocka_unit_test(test_limit_via_count),
        cmocka_unit_test(test_limits_zero_means_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
