/*
 * bench/calls: a minimal libre (baresip's re, Debian libre-dev 1.1) UAS, the second peer parley's
 * `listen --answer auto` is measured against. Per call, as parley's CLI does: a session SDP
 * object with the local capabilities (the same codecs as parley listen), the offer decoded into
 * it and the answer encoded from it (libre's own negotiation), 180 from sipsess_accept, then 200
 * with the answer; everything the call holds is released when sipsess reports it closed (the
 * BYE).
 *
 * usage: uas_libre PORT   (listens on udp 127.0.0.1:PORT; SIGTERM or SIGINT end it, exit 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

static struct sip *sip;
static struct sipsess_sock *sock;
static struct sa laddr;

struct call {
    struct sipsess *sess;
    struct sdp_session *sdp;
};

static void call_destructor(void *arg)
{
    struct call *c = arg;
    mem_deref(c->sess);
    mem_deref(c->sdp);
}

static int sdp_new(struct sdp_session **sdpp)
{
    struct sdp_media *m;
    int err = sdp_session_alloc(sdpp, &laddr);
    if (!err)
        err = sdp_media_add(&m, *sdpp, "audio", 40000, "RTP/AVP");
    if (!err)
        err = sdp_format_add(NULL, m, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false, NULL);
    if (!err)
        err = sdp_format_add(NULL, m, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false, NULL);
    if (!err)
        err = sdp_format_add(NULL, m, false, "101", "telephone-event", 8000, 1, NULL, NULL, NULL,
                             false, "0-15");
    return err;
}

/* A re-INVITE's offer (not used by the benchmark, answered for completeness). */
static int on_offer(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
    struct call *c = arg;
    int err = sdp_decode(c->sdp, msg->mb, true);
    return err ? err : sdp_encode(descp, c->sdp, false);
}

static int on_answer(const struct sip_msg *msg, void *arg)
{
    struct call *c = arg;
    return sdp_decode(c->sdp, msg->mb, false);
}

static void on_estab(const struct sip_msg *msg, void *arg)
{
    (void)msg, (void)arg;
}

static void on_close(int err, const struct sip_msg *msg, void *arg)
{
    (void)err, (void)msg;
    mem_deref(arg);
}

static void on_conn(const struct sip_msg *msg, void *arg)
{
    (void)arg;
    struct call *c = mem_zalloc(sizeof(*c), call_destructor);
    struct mbuf *answer = NULL;
    int err = c ? sdp_new(&c->sdp) : ENOMEM;
    if (!err && mbuf_get_left(msg->mb))
        err = sdp_decode(c->sdp, msg->mb, true);
    if (!err)
        err = sdp_encode(&answer, c->sdp, !mbuf_get_left(msg->mb));
    if (!err)
        err = sipsess_accept(&c->sess, sock, msg, 180, "Ringing", "libre", "application/sdp", NULL,
                             NULL, NULL, false, on_offer, on_answer, on_estab, NULL, NULL, on_close,
                             c, NULL);
    if (!err)
        err = sipsess_answer(c->sess, 200, "OK", answer, NULL);
    mem_deref(answer);
    if (err) {
        if (!c || !c->sess)
            sip_treply(NULL, sip, msg, 500, "Server Internal Error");
        mem_deref(c);
    }
}

static void on_signal(int sig)
{
    (void)sig;
    re_cancel();
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
        fprintf(stderr, "usage: uas_libre PORT\n");
        return 2;
    }
    int err = libre_init();
    if (!err)
        err = sa_set_str(&laddr, "127.0.0.1", (uint16_t)atoi(argv[1]));
    /* libre's hash tables never grow: size them for the benchmark's tens of thousands of
     * transactions and sessions alive at once, as a deployment would */
    if (!err)
        err = sip_alloc(&sip, NULL, 4096, 4096, 256, "libre-bench", NULL, NULL);
    if (!err)
        err = sip_transp_add(sip, SIP_TRANSP_UDP, &laddr);
    if (!err)
        err = sipsess_listen(&sock, sip, 4096, on_conn, NULL);
    if (err) {
        fprintf(stderr, "uas_libre: cannot listen on 127.0.0.1:%s: %s\n", argv[1], strerror(err));
        return 1;
    }
    re_main(on_signal);

    sipsess_close_all(sock);
    sock = mem_deref(sock);
    sip_close(sip, true);
    sip = mem_deref(sip);
    libre_close();
    return 0;
}
