/*
 * bench/calls: a minimal Sofia-SIP UAS, the peer parley's `listen --answer auto` is measured
 * against. It does what parley's CLI does per call and nothing more: answers each INVITE with
 * 180 and then 200 carrying the SDP answer that Sofia's offer/answer engine (soa) computes from
 * the offer and the local capabilities below (the same codecs as parley listen), and frees the
 * call's handle when the call ends (Sofia leaves incoming handles to the application).
 * Configured as a careful user would for speed, so that the comparison is with Sofia at its best:
 * one thread (su_root_threading off: by default nua runs its stack in a second thread and
 * passes every event through a socket pair), the local address given to soa (otherwise it opens
 * a socket and lists the interfaces for every call), and the answer lists every common codec,
 * as parley's and libre's do.
 *
 * usage: uas_sofia PORT   (listens on udp 127.0.0.1:PORT; SIGTERM or SIGINT end it, exit 0)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/soa_tag.h>
#include <sofia-sip/su_wait.h>

static const char local_sdp[] = "v=0\r\n"
                                "o=sofia 1 1 IN IP4 127.0.0.1\r\n"
                                "s=-\r\n"
                                "c=IN IP4 127.0.0.1\r\n"
                                "t=0 0\r\n"
                                "m=audio 40000 RTP/AVP 0 8 101\r\n"
                                "a=rtpmap:0 PCMU/8000\r\n"
                                "a=rtpmap:8 PCMA/8000\r\n"
                                "a=rtpmap:101 telephone-event/8000\r\n"
                                "a=fmtp:101 0-15\r\n";

/* SIGTERM and SIGINT arrive on a signalfd watched by the loop, so no handler runs inside
 * Sofia's code; nua_shutdown ends the calls left and then the loop (nua_r_shutdown). */
static struct {
    int fd;
    nua_t *nua;
    su_root_t *root;
} sig;

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
                     nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic, sip_t const *sip,
                     tagi_t tags[])
{
    (void)status, (void)phrase, (void)nua, (void)magic, (void)hmagic, (void)sip;
    switch (event) {
    case nua_i_invite:
        nua_respond(nh, SIP_180_RINGING, TAG_END());
        /* every common codec (the default answers with the first only): the handle's soa
         * takes this from the response, not from the stack's defaults */
        nua_respond(nh, SIP_200_OK, SOATAG_RTP_SELECT(SOA_RTP_SELECT_COMMON), TAG_END());
        break;
    case nua_i_state: {
        int state = nua_callstate_init;
        tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (state == nua_callstate_terminated)
            nua_handle_destroy(nh);
        break;
    }
    case nua_r_shutdown:
        /* 200 when every handle is gone; below 200 while it waits for them */
        if (status >= 200)
            su_root_break(sig.root);
        break;
    default:
        break;
    }
}

static int on_signal(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
    (void)magic, (void)w, (void)arg;
    struct signalfd_siginfo si;
    if (read(sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        nua_shutdown(sig.nua);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
        fprintf(stderr, "usage: uas_sofia PORT\n");
        return 2;
    }
    char url[64];
    snprintf(url, sizeof(url), "sip:127.0.0.1:%d;transport=udp", atoi(argv[1]));

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sig.fd = signalfd(-1, &set, SFD_CLOEXEC);

    su_init();
    su_root_t *root = sig.root = su_root_create(NULL);
    if (!root || sig.fd < 0)
        return 1;
    su_root_threading(root, 0);
    sig.nua = nua_create(root, on_event, NULL, NUTAG_URL(url), SOATAG_USER_SDP_STR(local_sdp),
                         SOATAG_ADDRESS("127.0.0.1"), NUTAG_MEDIA_ENABLE(1), TAG_END());
    if (!sig.nua) {
        fprintf(stderr, "uas_sofia: cannot listen on %s\n", url);
        return 1;
    }
    su_wait_t w;
    su_wait_create(&w, sig.fd, SU_WAIT_IN);
    int reg = su_root_register(root, &w, on_signal, NULL, 0);

    su_root_run(root);

    su_root_deregister(root, reg);
    nua_destroy(sig.nua);
    su_root_destroy(root);
    su_deinit();
    close(sig.fd);
    return 0;
}
