/* parley demo: shows what parley does, end to end, with what is built so far. */
#include <stdio.h>

#include "cli.h"
#include "core/buf.h"
#include "msg_json.h"
#include "parley/error.h"
#include "sip/print.h"

static const char sample_invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("parley demo: the SIP message layer\n\n");
    printf("An INVITE as it arrives on the wire:\n\n%s\n", sample_invite);
    sip_msg *m = NULL;
    int rc = sip_msg_parse(sample_invite, sizeof(sample_invite) - 1, 0, NULL, &m, NULL);
    if (!m) {
        fprintf(stderr, "demo: %s\n", parley_strerror(rc));
        return CLI_ERROR;
    }
    pl_buf b;
    pl_buf_init(&b, 1024);
    msg_json(&b, m, rc);
    printf("What the parser reads from it (parley parse):\n\n%.*s\n\n", (int)b.len, b.data);
    pl_buf_reset(&b);
    sip_print_status_line(&b, 180, pl_str_c(sip_reason_phrase(180)));
    sip_print_header(&b, PL_STR_LIT("Via"), m->via->raw);
    sip_print_header(&b, PL_STR_LIT("From"), m->from->raw);
    sip_print_header(&b, PL_STR_LIT("To"), PL_STR_LIT("Bob <sip:bob@biloxi.example.com>;tag=a6c85cf"));
    sip_print_header(&b, PL_STR_LIT("Call-ID"), m->call_id);
    sip_print_header(&b, PL_STR_LIT("CSeq"), PL_STR_LIT("314159 INVITE"));
    sip_print_body(&b, PL_STR_NULL, PL_STR_NULL);
    printf("A response built from its parts:\n\n%.*s\n", (int)b.len, b.data);
    pl_buf_free(&b);
    sip_msg_free(m);
    printf("Not built yet: transports and transactions, the signaling session, SDP\n"
           "negotiation. The demo grows into a full call between two endpoints as they land.\n");
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
