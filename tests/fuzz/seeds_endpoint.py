#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_endpoint (tests/fuzz/corpus/endpoint/): well-formed exchanges
in the target's record format (see fuzz_endpoint.c), so that fuzzing starts from calls that form
dialogs and sessions rather than from bytes the parser rejects. Run it from anywhere; it
rewrites the seed-* files.
"""
import os

SEP = b"\xff"
A = "10.0.0.9:5060"
B = "10.0.0.8:5062"
EP = "sip:node@10.0.0.1:5060"


def udp(msg, peer_b=False):
    return bytes([1 if peer_b else 0]) + msg


def tcp(msg):
    return bytes([2]) + msg


def wait(ms):
    """Time passes: at most 62 * 40 ms in one record, as 63 would make the op 0xff, the
    separator."""
    return bytes([3 + 4 * min(62, ms // 40)])


def sdp(version, port):
    return (
        "v=0\r\no=- 1 %d IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
        "m=audio %d RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n" % (version, port)
    )


def finish(head, extra, body, ctype):
    """The message: head's lines, extra, then the body with its type (SDP by default)."""
    if extra:
        head.append(extra)
    if body:
        head.append("Content-Type: %s" % (ctype or "application/sdp"))
    head.append("Content-Length: %d" % len(body.encode()))
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


def request(method, cseq, branch, call="fz1", to_tag=True, body="", ctype=None, extra="",
            transport="UDP", via_host=A, ruri=EP, cseq_method=None):
    head = [
        "%s %s SIP/2.0" % (method, ruri),
        "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport" % (transport, via_host, branch),
        "Max-Forwards: 70",
        "From: <sip:a@%s>;tag=fa" % via_host.split(":")[0],
        "To: <%s>%s" % (EP, ";tag=$T" if to_tag else ""),
        "Call-ID: %s@10.0.0.9" % call,
        "CSeq: %d %s" % (cseq, cseq_method or method),
        "Contact: <sip:a@%s>" % via_host,
    ]
    return finish(head, extra, body, ctype)


def response(status, reason, cseq, method, branch, call="fz9"):
    return (
        "SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%s\r\n"
        "From: <%s>;tag=x\r\nTo: <sip:a@10.0.0.9>;tag=y\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
        "Content-Length: 0\r\n\r\n" % (status, reason, branch, EP, call, cseq, method)
    ).encode()


def act(command):
    """A command record: the endpoint acts (see endpoint_act.c)."""
    return bytes([0]) + b"!" + command.encode()


def answer(status, reason, to_tag="u1", body="", extra="", branch="$B", cseq="$N $M",
           peer=A, ctype="application/sdp", contact=True):
    """A response from a peer to the endpoint's last request (by default; see the tokens in
    fuzz_endpoint.c): its branch, Call-ID, From tag and CSeq come back."""
    head = [
        "SIP/2.0 %d %s" % (status, reason),
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=%s" % branch,
        "From: <%s>;tag=$F" % EP,
        "To: <sip:a@%s>%s" % (peer, ";tag=" + to_tag if to_tag else ""),
        "Call-ID: $C",
        "CSeq: %s" % cseq,
    ]
    if status < 300 and status > 100 and contact:
        head.append("Contact: <sip:a@%s>" % peer)
    return finish(head, extra, body, ctype)


def peer_request(method, cseq, to_tag="u1", body="", ctype=None, extra="", branch="q1"):
    """A request from peer A in the dialog of the endpoint's call (it is the UAS there)."""
    head = [
        "%s %s SIP/2.0" % (method, EP),
        "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport" % (A, branch),
        "Max-Forwards: 70",
        "From: <sip:a@%s>;tag=%s" % (A, to_tag),
        "To: <%s>;tag=$F" % EP,
        "Call-ID: $C",
        "CSeq: %d %s" % (cseq, method),
        "Contact: <sip:a@%s>" % A,
    ]
    return finish(head, extra, body, ctype)


def uac_call():
    """The endpoint calls A: 100, 180, 200 with the answer, its ACK; MESSAGE and INFO with a
    custom header, a hold re-INVITE answered 200, then its BYE."""
    return [
        act("call hdr"),
        udp(answer(100, "Trying", to_tag="")),
        udp(answer(180, "Ringing")),
        wait(40),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        act("message"),
        udp(answer(200, "OK")),
        act("message info"),
        udp(answer(200, "OK")),
        act("reinvite hold"),
        udp(answer(200, "OK", body=sdp(2, 5000).replace("a=rtpmap:0 PCMU/8000",
                                                          "a=recvonly"))),
        wait(40),
        act("bye"),
        udp(answer(200, "OK")),
        wait(40),
    ]


def uac_forks():
    """Two forks ring (two To tags), both answer 200: the second is ACKed and BYEd."""
    return [
        act("call"),
        udp(answer(180, "Ringing", to_tag="f1")),
        udp(answer(180, "Ringing", to_tag="f2", peer=B)),
        udp(answer(200, "OK", to_tag="f1", body=sdp(1, 5000))),
        wait(40),
        udp(answer(200, "OK", to_tag="f2", body=sdp(1, 5002), branch="$b", cseq="$n INVITE",
                   peer=B), peer_b=True),
        wait(40),
        udp(answer(200, "OK", to_tag="f2", peer=B), peer_b=True),
        wait(40),
        act("bye"),
        udp(answer(200, "OK", to_tag="f1")),
    ]


def uac_auth():
    """401 with a Digest challenge: the endpoint ACKs it and resends the INVITE with
    Authorization (credentials alice/secret), which gets 200; then a late 2xx retransmission."""
    return [
        act("call"),
        udp(answer(401, "Unauthorized", extra='WWW-Authenticate: Digest realm="fz", '
                   'nonce="abc123", algorithm=MD5, qop="auth"')),
        wait(40),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        udp(answer(200, "OK", body=sdp(1, 5000), branch="$b", cseq="$n INVITE")),
        wait(1000),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def uac_redirect():
    """302 with Contacts: peer B's first; the endpoint ACKs it and calls B, which answers
    407 (proxy challenge), then 200."""
    return [
        act("call"),
        udp(answer(302, "Moved Temporarily", extra="Contact: <sip:b@%s>;q=0.9, "
                   "<sip:c@10.0.0.7>;q=0.1" % B)),
        wait(40),
        udp(answer(407, "Proxy Authentication Required", peer=B,
                   extra='Proxy-Authenticate: Digest realm="px", nonce="n2"'), peer_b=True),
        wait(40),
        udp(answer(200, "OK", peer=B, body=sdp(1, 5000)), peer_b=True),
        wait(40),
        act("bye"),
        udp(answer(200, "OK", peer=B), peer_b=True),
    ]


def uac_reliable():
    """A late-offer call requiring 100rel with a session timer: a reliable 183 carries the
    offer (RSeq), the endpoint PRACKs it with its answer; 200 to the PRACK, 200 to the INVITE,
    then an UPDATE of the endpoint answered 200 and a timer refresh."""
    return [
        act("call late require timer"),
        udp(answer(183, "Session Progress", body=sdp(1, 5000),
                   extra="Require: 100rel\r\nRSeq: 1")),
        wait(40),
        udp(answer(200, "OK")),
        udp(answer(200, "OK", branch="$b", cseq="$n INVITE",
                   extra="Require: timer\r\nSession-Expires: 90;refresher=uac")),
        wait(40),
        act("reinvite update"),
        udp(answer(200, "OK", body=sdp(2, 5000))),
    ] + [wait(2480)] * 19 + [
        udp(answer(200, "OK", extra="Require: timer\r\nSession-Expires: 90;refresher=uac")),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def uac_glare():
    """A re-INVITE of the endpoint answered 491 (retried after the RFC 3261 §14.1 wait) and
    a 422 to a call with a session timer (retried with the Min-SE asked)."""
    return [
        act("call timer"),
        udp(answer(422, "Session Interval Too Small", extra="Min-SE: 1800")),
        wait(40),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        act("reinvite"),
        udp(answer(491, "Request Pending")),
        wait(2480),
        wait(2480),
        udp(answer(488, "Not Acceptable Here")),
        wait(40),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def uac_refer():
    """The endpoint's call is REFERred by A (accepted: 202, NOTIFY 100), reports 180 and a
    final 200; it REFERs A in turn and gets a NOTIFY sipfrag back; then CANCEL of a second
    call that only rang."""
    return [
        act("call"),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        udp(peer_request("REFER", 1, extra="Refer-To: <sip:d@10.0.0.7>")),
        wait(40),
        udp(answer(200, "OK")),
        act("notify"),
        udp(answer(200, "OK")),
        act("notify final"),
        udp(answer(200, "OK")),
        act("refer"),
        udp(answer(202, "Accepted")),
        udp(peer_request("NOTIFY", 2, body="SIP/2.0 200 OK\r\n", ctype="message/sipfrag",
                         extra="Event: refer;id=$N\r\nSubscription-State: terminated;"
                         "reason=noresource", branch="q2")),
        wait(40),
        act("call B"),
        udp(answer(180, "Ringing", peer=B), peer_b=True),
        act("bye"),
        udp(answer(200, "OK", peer=B), peer_b=True),
        udp(answer(487, "Request Terminated", peer=B, branch="$b", cseq="$n INVITE"), peer_b=True),
        wait(40),
        act("bye #0"),
        udp(answer(200, "OK")),
    ]


def uac_no_contact():
    """Finding: a 2xx without Contact made the ACK (and BYE) go out with an empty Request-URI;
    they go to the INVITE's Request-URI."""
    return [
        act("call"),
        udp(answer(200, "OK", body=sdp(1, 5000), contact=False)),
        wait(40),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def uac_cancel_cross():
    """The endpoint CANCELs a ringing call whose 200 crosses the CANCEL: 200 to the CANCEL, the
    INVITE's 2xx is ACKed and BYEd; then a call refused 486 and one that redirects with the
    redirection refused by the application."""
    return [
        act("call no100rel"),
        udp(answer(180, "Ringing")),
        act("bye"),
        udp(answer(200, "OK", cseq="$N CANCEL")),
        udp(answer(200, "OK", body=sdp(1, 5000), branch="$b", cseq="$n INVITE")),
        wait(40),
        udp(answer(200, "OK")),
        act("call"),
        udp(answer(486, "Busy Here")),
        act("call none"),
        udp(answer(301, "Moved Permanently", extra="Contact: <sip:b@%s>" % B)),
        wait(40),
    ]


def uac_early_update():
    """A call requiring 100rel: a reliable 183 carries the answer, the endpoint PRACKs it;
    the peer's UPDATE in the early dialog gets the endpoint's answer; 200; the peer's
    re-INVITE, then a REFER to an incoming call of B the endpoint accepts REFERs on."""
    return [
        act("call require hdr"),
        udp(answer(183, "Session Progress", body=sdp(1, 5000),
                   extra="Require: 100rel\r\nRSeq: 7")),
        wait(40),
        udp(answer(200, "OK")),
        udp(peer_request("UPDATE", 1, body=sdp(2, 5002), branch="q1")),
        wait(40),
        udp(answer(200, "OK", branch="$b", cseq="$n INVITE")),
        wait(40),
        udp(peer_request("INVITE", 2, body=sdp(3, 5002), branch="q2")),
        wait(40),
        udp(peer_request("ACK", 2, branch="q2a")),
        act("accept"),
        udp(request("INVITE", 1, "ab1", call="fza", to_tag=False, body=sdp(1, 7000),
                    via_host=B), peer_b=True),
        wait(40),
        udp(request("ACK", 1, "ab1a", call="fza", via_host=B), peer_b=True),
        udp(request("REFER", 2, "ab2", call="fza", via_host=B,
                    extra="Refer-To: <sip:d@10.0.0.7>"), peer_b=True),
        wait(40),
        act("notify fail"),
        act("reinvite resume #0"),
        wait(40),
    ]


def uac_deferred_ack():
    """Calls that keep their ACK: one with an offer (the ACK goes on the command), a late one
    whose 2xx carries the offer (the answer goes in the ACK on the command), one ended before
    its ACK went."""
    return [
        act("call defer"),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        act("ack"),
        act("call late defer"),
        udp(answer(200, "OK", body=sdp(1, 5002))),
        wait(40),
        act("ack"),
        act("call defer B"),
        udp(answer(200, "OK", body=sdp(1, 5004), peer=B), peer_b=True),
        act("bye"),
        act("ack"),
        udp(answer(200, "OK", peer=B), peer_b=True),
        wait(40),
    ]


def uas_ringing():
    """The endpoint as callee that rings first: a reliable 183 with early media PRACKed, then
    answered; a 180 then rejected 486; one redirected to B; a reliable 183 never PRACKed (504
    after 64*T1)."""
    return [
        act("ring early rel"),
        udp(request("INVITE", 1, "g1", call="fg1", to_tag=False, body=sdp(1, 5000),
                    extra="Supported: 100rel")),
        wait(40),
        udp(request("PRACK", 2, "g2", call="fg1", extra="RAck: $R 1 INVITE")),
        wait(40),
        act("answer"),
        wait(40),
        udp(request("ACK", 1, "g1a", call="fg1")),
        act("ring"),
        udp(request("INVITE", 1, "g3", call="fg2", to_tag=False, body=sdp(1, 5002))),
        act("reject"),
        udp(request("ACK", 1, "g3", call="fg2")),
        udp(request("INVITE", 1, "g4", call="fg3", to_tag=False, body=sdp(1, 5004))),
        act("redirect"),
        udp(request("ACK", 1, "g4", call="fg3")),
        act("ring early rel"),
        udp(request("INVITE", 1, "g5", call="fg4", to_tag=False, body=sdp(1, 5006),
                    extra="Supported: 100rel")),
        wait(2480),
    ] + [wait(2480)] * 13 + [
        act("bye #0"),
    ]


def uac_contact_headers():
    """Finding: a 2xx whose Contact URI has headers made the ACK's Request-URI carry them (a
    request no parser takes); the target drops them."""
    return [
        act("call"),
        udp(answer(200, "OK", body=sdp(1, 5000), contact=False,
                   extra="Contact: <sip:a@%s?Subject=x>" % A)),
        wait(40),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def call_flow():
    """INVITE, ACK, in-dialog MESSAGE and INFO, re-INVITE and its ACK, REFER, BYE."""
    return [
        udp(request("INVITE", 1, "c1", to_tag=False, body=sdp(1, 5000))),
        wait(40),
        udp(request("ACK", 1, "c1a")),
        udp(request("MESSAGE", 2, "c2", body="hello", ctype="text/plain")),
        udp(request("INFO", 3, "c3", body="signal", ctype="application/x-info")),
        udp(request("INVITE", 4, "c4", body=sdp(2, 5002))),
        wait(40),
        udp(request("ACK", 4, "c4a")),
        udp(request("REFER", 5, "c5", extra="Refer-To: <sip:c@10.0.0.7>")),
        wait(200),
        udp(request("BYE", 6, "c6")),
        wait(80),
    ]


def cancel_flow():
    """INVITE without an offer, CANCEL of it, the ACK of a failure, a retransmitted INVITE."""
    inv = request("INVITE", 1, "k1", call="fz2", to_tag=False)
    return [
        udp(inv),
        udp(request("CANCEL", 1, "k1", call="fz2", to_tag=False)),
        udp(inv),
        wait(600),
        udp(request("ACK", 1, "k1", call="fz2")),
        wait(2000),
    ]


def page_mode():
    """Requests outside any dialog, from both peers, and responses nobody asked for."""
    return [
        udp(request("MESSAGE", 1, "p1", call="fz3", to_tag=False, body="hi", ctype="text/plain")),
        udp(request("OPTIONS", 1, "p2", call="fz4", to_tag=False), peer_b=True),
        udp(request("SUBSCRIBE", 1, "p3", call="fz5", to_tag=False, extra="Event: refer")),
        udp(request("BYE", 1, "p4", call="fz6")),
        udp(request("FOO", 1, "p5", call="fz7", to_tag=False)),
        udp(request("NOTIFY", 1, "p6", call="fz8", extra="Event: refer\r\nSubscription-State: "
                    "active", body="SIP/2.0 180 Ringing\r\n", ctype="message/sipfrag")),
        udp(response(200, "OK", 1, "INVITE", "s1")),
        udp(response(180, "Ringing", 1, "INVITE", "s1")),
        wait(40),
    ]


def stream_flow():
    """A call over the stream code: a ping, an INVITE split over two reads, ACK, BYE, then a
    message over the size limit that ends the connection, and a new one."""
    inv = request("INVITE", 1, "t1", call="fz10", to_tag=False, body=sdp(1, 6000),
                  transport="TCP")
    return [
        tcp(b"\r\n\r\n" + inv[:100]),
        tcp(inv[100:]),
        wait(40),
        tcp(request("ACK", 1, "t1a", call="fz10", transport="TCP")
            + request("BYE", 2, "t2", call="fz10", transport="TCP")),
        tcp(request("MESSAGE", 3, "t3", call="fz11", to_tag=False, transport="TCP")
            .replace(b"Content-Length: 0", b"Content-Length: 100000")),
        tcp(request("OPTIONS", 1, "t4", call="fz12", to_tag=False, transport="TCP")),
        wait(40),
    ]


def faults():
    """Requests past the parser's limits and with broken fields: answered 400/513 or dropped."""
    many = "\r\n".join("X-%d: %d" % (i, i) for i in range(260))
    return [
        udp(request("MESSAGE", 1, "f1", call="fz13", to_tag=False, extra=many)),
        udp(request("MESSAGE", 1, "f2", call="fz14", to_tag=False, extra="Subject: a\0b")),
        udp(request("INVITE", 1, "f3", call="fz15", to_tag=False,
                    extra="Contact: " + ",".join("<sip:%d@h>" % i for i in range(70)))),
        udp(b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8:::192.0.2.1];branch=z9hG4bKf4"
            b"\r\nCall-ID: fz16\r\nCSeq: 1 INVITE\r\n\r\n"),
        udp(b"garbage\r\n\r\n"),
        wait(40),
    ]


def late_offer():
    """An INVITE without an offer (the offer in the 200, the answer in the ACK), a re-INVITE
    without an offer, one that sets a stream to port 0 and one that overlaps it (500), OPTIONS
    in the dialog, BYE."""
    return [
        udp(request("INVITE", 1, "l1", call="fl1", to_tag=False)),
        wait(40),
        udp(request("ACK", 1, "l1a", call="fl1", body=sdp(1, 5000))),
        udp(request("INVITE", 2, "l2", call="fl1")),
        wait(40),
        udp(request("ACK", 2, "l2a", call="fl1",
                    body=sdp(2, 5000).replace("a=rtpmap:0 PCMU/8000", "a=sendonly"))),
        udp(request("INVITE", 3, "l3", call="fl1", body=sdp(3, 0))),
        udp(request("INVITE", 4, "l4", call="fl1", body=sdp(4, 5000))),
        wait(40),
        udp(request("ACK", 3, "l3a", call="fl1")),
        udp(request("OPTIONS", 5, "l5", call="fl1")),
        udp(request("BYE", 6, "l6", call="fl1")),
        wait(40),
    ]


def reliable_and_update():
    """An INVITE asking for 100rel and a session timer (answered 200 at once, so the PRACK
    finds no reliable provisional: 481), UPDATE with and without an offer, time passing, and a
    response to a BYE nobody sent."""
    return [
        udp(request("INVITE", 1, "r1", call="fr1", to_tag=False, body=sdp(1, 5000),
                    extra="Supported: 100rel, timer\r\nRequire: 100rel\r\n"
                    "Session-Expires: 90;refresher=uac\r\nMin-SE: 90")),
        wait(40),
        udp(request("PRACK", 2, "r2", call="fr1", extra="RAck: 1 1 INVITE")),
        udp(request("UPDATE", 3, "r3", call="fr1", body=sdp(2, 5004))),
        wait(40),
        udp(request("ACK", 1, "r1a", call="fr1")),
        udp(request("UPDATE", 4, "r4", call="fr1", extra="Session-Expires: 90;refresher=uas")),
        wait(2480),
        wait(2480),
        wait(2480),
        udp(response(200, "OK", 1, "BYE", "s9", call="fr1@10.0.0.9")),
        wait(400),
    ]


def refer_replaces():
    """REFER with a Replaces in its Refer-To and a Referred-By, one without a subscription,
    a NOTIFY's response, and an INVITE that replaces the first dialog."""
    return [
        udp(request("INVITE", 1, "e1", call="fe1", to_tag=False, body=sdp(1, 5000))),
        wait(40),
        udp(request("ACK", 1, "e1a", call="fe1")),
        udp(request("REFER", 2, "e2", call="fe1",
                    extra="Refer-To: <sip:c@10.0.0.7?Replaces=abc%40h%3Bto-tag%3Dx%3Bfrom-tag"
                    "%3Dy>\r\nReferred-By: <sip:a@10.0.0.9>")),
        wait(40),
        udp(response(200, "OK", 1, "NOTIFY", "n1", call="fe1@10.0.0.9")),
        udp(request("REFER", 3, "e3", call="fe1",
                    extra="Refer-To: <sip:d@10.0.0.7>\r\nRefer-Sub: false")),
        udp(request("INVITE", 1, "e4", call="fe2", to_tag=False, body=sdp(1, 5002),
                    extra="Replaces: fe1@10.0.0.9;to-tag=$T;from-tag=fa")),
        wait(40),
        udp(request("ACK", 1, "e4a", call="fe2")),
        wait(2000),
    ]


def registration():
    """The endpoint registers at A: 401 (Digest) and the retry with credentials, 423 with
    Min-Expires and the retry asking for it, 200 granting 60 s on our Contact with GRUUs; the
    refresh at half of it, granted again; then a second registration at B (short, no GRUU)
    whose 200 keeps nothing (expires 0), and the stop (un-REGISTER) of the first one."""
    return [
        act("register"),
        udp(answer(100, "Trying", to_tag="")),
        udp(answer(401, "Unauthorized", extra='WWW-Authenticate: Digest realm="reg", '
                   'nonce="rn1", algorithm=MD5, qop="auth"')),
        wait(40),
        udp(answer(423, "Interval Too Brief", extra="Min-Expires: 7200")),
        wait(40),
        udp(answer(200, "OK", contact=False,
                   extra='Contact: <$K>;expires=60;pub-gruu="sip:a@10.0.0.9;gr=x";'
                   'temp-gruu="sip:t@10.0.0.9;gr"\r\nContact: <sip:other@10.0.0.5>;expires=9')),
    ] + [wait(2480)] * 13 + [
        udp(answer(200, "OK", contact=False, extra="Expires: 60\r\nContact: <$K>")),
        act("register B short nogruu"),
        udp(answer(200, "OK", peer=B, contact=False, extra="Contact: <$K>;expires=0"),
            peer_b=True),
        act("unregister #0"),
        udp(answer(200, "OK", contact=False)),
        wait(40),
    ]


def registration_fail():
    """A registration challenged by a proxy (407) whose retry is challenged again (wrong
    credentials: FAILED), one that gets 423 without Min-Expires, one never answered (timeout),
    stopped while it waits."""
    return [
        act("register"),
        udp(answer(407, "Proxy Authentication Required",
                   extra='Proxy-Authenticate: Digest realm="px", nonce="p1"')),
        wait(40),
        udp(answer(407, "Proxy Authentication Required",
                   extra='Proxy-Authenticate: Digest realm="px", nonce="p2"')),
        act("register"),
        udp(answer(423, "Interval Too Brief")),
        act("register B"),
        wait(40),
        act("unregister"),
        wait(2480),
    ]


def send_page():
    """Requests the endpoint sends outside sessions, with custom headers: a MESSAGE answered
    200, OPTIONS challenged 401 and answered with credentials, INFO with its own Route
    challenged 407, a NOTIFY without body refused 500, a SERVICE to B never answered
    (timeout), a BENOTIFY (no answer expected)."""
    return [
        act("send"),
        udp(answer(200, "OK")),
        act("send options"),
        udp(answer(401, "Unauthorized", extra='WWW-Authenticate: Digest realm="fz", '
                   'nonce="on1", algorithm=SHA-256, qop="auth,auth-int", opaque="op"')),
        wait(40),
        udp(answer(200, "OK", extra="Accept: application/sdp\r\nAllow: INVITE, ACK")),
        act("send info route"),
        udp(answer(407, "Proxy Authentication Required",
                   extra='Proxy-Authenticate: Digest realm="px", nonce="pn1", qop="auth"')),
        wait(40),
        udp(answer(200, "OK")),
        act("send notify nobody"),
        udp(answer(500, "Server Internal Error")),
        act("send service B"),
        act("send benotify"),
        wait(2480),
    ] + [wait(2480)] * 13


def auth_server():
    """The endpoint challenges (first record "!auth"): an INVITE without credentials gets 401
    with a nonce (ACKed), the INVITE again with the right credentials ($A) is answered 200; a
    MESSAGE in the dialog repeating them (same nonce and nc: a replay) is challenged; one
    with a wrong response too; BYE (not challenged); a page MESSAGE without credentials gets
    401, then, after the nonce's lifetime passed, its credentials are stale (401 stale=true)."""
    bad = ('Authorization: Digest username="alice", realm="fz", nonce="bogus", '
           'uri="%s", response="00000000000000000000000000000000"' % EP)
    return [
        act("auth"),
        udp(request("INVITE", 1, "h1", call="fh1", to_tag=False, body=sdp(1, 5000))),
        wait(40),
        udp(request("ACK", 1, "h1", call="fh1", to_tag=False)),
        udp(request("INVITE", 2, "h2", call="fh1", to_tag=False, body=sdp(1, 5000),
                    extra="Authorization: $A")),
        wait(40),
        udp(request("ACK", 2, "h2a", call="fh1")),
        udp(request("MESSAGE", 3, "h3", call="fh1", body="hi", ctype="text/plain",
                    extra="Authorization: $A")),
        udp(request("MESSAGE", 4, "h4", call="fh1", body="hi", ctype="text/plain", extra=bad)),
        udp(request("BYE", 5, "h7", call="fh1")),
        udp(request("MESSAGE", 1, "h5", call="fh2", to_tag=False, body="hi",
                    ctype="text/plain")),
    ] + [wait(2480)] * 122 + [
        udp(request("MESSAGE", 2, "h6", call="fh2", to_tag=False, body="hi", ctype="text/plain",
                    extra="Authorization: $A")),
        wait(40),
    ]


def auth_proxy():
    """The endpoint challenges as a proxy would (407), MD5 only, realm its host, OPTIONS and BYE
    too: OPTIONS answered with Proxy-Authorization, a REFER (not challenged), credentials for
    another realm, then wrong passwords ($a) for one user until it is refused 403, a CANCEL of
    a challenged INVITE."""
    bad = ('Proxy-Authorization: Digest username="alice", realm="fz", nonce="x", '
           'uri="%s", response="00000000000000000000000000000000"' % EP)
    return [
        act("auth proxy md5 more host"),
        udp(request("OPTIONS", 1, "j1", call="fj1", to_tag=False)),
        udp(request("OPTIONS", 2, "j2", call="fj1", to_tag=False,
                    extra="Proxy-Authorization: $A")),
        udp(request("REFER", 1, "j3", call="fj2", to_tag=False,
                    extra="Refer-To: <sip:d@10.0.0.7>")),
        udp(request("MESSAGE", 1, "j40", call="fj3", to_tag=False, extra=bad)),
    ] + [udp(request("MESSAGE", 2 + i, "j4%d" % (i + 1), call="fj3", to_tag=False,
                     extra="Proxy-Authorization: $a")) for i in range(6)] + [
        udp(request("INVITE", 1, "j5", call="fj4", to_tag=False, body=sdp(1, 5000))),
        udp(request("CANCEL", 1, "j5", call="fj4", to_tag=False)),
        wait(40),
    ]


def page_deferred():
    """Page-mode requests the application keeps ("defer page") and answers later: a MESSAGE
    retransmitted while kept, answered after a 180; one from B refused 486; one never answered
    (503 at the endpoint's stop)."""
    msg = request("MESSAGE", 1, "m1", call="fm1", to_tag=False, body="hi", ctype="text/plain")
    return [
        act("defer page"),
        udp(msg),
        udp(request("MESSAGE", 1, "m2", call="fm2", to_tag=False, body="x",
                    ctype="message/cpim", via_host=B), peer_b=True),
        wait(600),
        udp(msg),
        act("respond prov"),
        udp(msg),
        act("respond fail"),
        udp(request("MESSAGE", 1, "m3", call="fm3", to_tag=False, body="hi",
                    ctype="text/plain")),
        wait(40),
    ]


def reinvite_deferred():
    """Re-INVITEs the application keeps ("defer reinvite") and answers later: accepted, then
    rejected after a 183, then one CANCELled while kept (487, reinvite_cancelled), then one ended by BYE."""
    return [
        act("defer reinvite"),
        udp(request("INVITE", 1, "v1", call="fv1", to_tag=False, body=sdp(1, 5000))),
        wait(40),
        udp(request("ACK", 1, "v1a", call="fv1")),
        udp(request("INVITE", 2, "v2", call="fv1", body=sdp(2, 5002))),
        wait(40),
        act("reaccept"),
        wait(40),
        udp(request("ACK", 2, "v2a", call="fv1")),
        udp(request("INVITE", 3, "v3", call="fv1", body=sdp(3, 5004))),
        act("rereject prov"),
        act("rereject"),
        wait(40),
        udp(request("ACK", 3, "v3", call="fv1")),
        udp(request("INVITE", 4, "v4", call="fv1")),
        wait(40),
        udp(request("CANCEL", 4, "v4", call="fv1")),
        wait(40),
        udp(request("ACK", 4, "v4", call="fv1")),
        act("reaccept"),
        udp(request("INVITE", 5, "v5", call="fv1", body=sdp(5, 5004))),
        udp(request("BYE", 6, "v6", call="fv1")),
        act("reaccept"),
        wait(40),
    ]


def uac_fork_late():
    """Forks (on_early_dialog, on_fork_ignored): three early dialogs, one answers, then the
    other two answer 2xx after the session was established and after it ended."""
    return [
        act("call"),
        udp(answer(180, "Ringing", to_tag="k1")),
        udp(answer(183, "Session Progress", to_tag="k2", body=sdp(1, 5002))),
        udp(answer(180, "Ringing", to_tag="k3", peer=B), peer_b=True),
        udp(answer(200, "OK", to_tag="k2", body=sdp(1, 5002))),
        wait(40),
        udp(answer(200, "OK", to_tag="k1", body=sdp(1, 5000), branch="$b", cseq="$n INVITE")),
        wait(40),
        act("bye"),
        udp(answer(200, "OK", to_tag="k2")),
        udp(answer(200, "OK", to_tag="k3", body=sdp(1, 5004), branch="$b", cseq="$n INVITE",
                   peer=B), peer_b=True),
        wait(40),
    ]


def update_early_offers():
    """Finding: an UPDATE offer in an early dialog while the INVITE's offer/answer was not
    complete was answered 200 (RFC 3311 §5.2: 500 with Retry-After while their INVITE's offer
    waits for our answer, 491 while ours waits for theirs): an incoming INVITE's offer not
    answered by the 180, the endpoint's call ringing without an answer, and its offer in a
    reliable 183 not PRACKed yet."""
    return [
        act("ring"),
        udp(request("INVITE", 1, "w1", call="fw1", to_tag=False, body=sdp(1, 5000))),
        udp(request("UPDATE", 2, "w2", call="fw1", body=sdp(2, 5002))),
        act("answer"),
        wait(40),
        udp(request("ACK", 1, "w1a", call="fw1")),
        act("call"),
        udp(answer(180, "Ringing")),
        udp(peer_request("UPDATE", 1, body=sdp(2, 5002))),
        act("bye"),
        act("ring early rel"),
        udp(request("INVITE", 1, "w3", call="fw3", to_tag=False, extra="Supported: 100rel")),
        udp(request("UPDATE", 2, "w4", call="fw3", body=sdp(2, 5002))),
        wait(40),
    ]


def uac_redirect_deferred():
    """302 with Contacts B and C, the application's answer deferred (PARLEY_REDIRECT_DEFER):
    resumed with TRY_THIS, B answers 486, deferred again and resumed with TRY_NONE (the call
    fails with the 486); a second call deferred the same way, then ended while it waits."""
    return [
        act("call later"),
        udp(answer(302, "Moved Temporarily", extra="Contact: <sip:b@%s>;q=0.9, "
                   "<sip:c@10.0.0.7>;q=0.1" % B)),
        wait(40),
        act("resume this"),
        wait(40),
        udp(answer(486, "Busy Here", peer=B), peer_b=True),
        wait(40),
        act("resume none"),
        wait(40),
        act("call later"),
        udp(answer(302, "Moved Temporarily", extra="Contact: <sip:b@%s>" % B)),
        wait(40),
        act("bye"),
        act("resume"),
        wait(40),
    ]


def reinvite_cancel():
    """parley_session_renegotiate_cancel: the endpoint's re-INVITE CANCELled after its 100
    (200 to the CANCEL, 487 to the re-INVITE, the call goes on), then one waiting for its 491
    retry given up."""
    return [
        act("call"),
        udp(answer(200, "OK", body=sdp(1, 5000))),
        wait(40),
        act("reinvite"),
        act("recancel"),
        udp(answer(100, "Trying", to_tag="")),
        udp(answer(200, "OK")),
        udp(answer(487, "Request Terminated", cseq="$N INVITE")),
        wait(40),
        act("reinvite"),
        udp(answer(491, "Request Pending")),
        act("recancel"),
        wait(2480),
        act("message"),
        udp(answer(200, "OK")),
        act("bye"),
        udp(answer(200, "OK")),
    ]


def registration_bad_gruu():
    """Finding: a registrar's GRUU that is no SIP URI (a space in it) became the Contact of the
    endpoint's requests, which then did not parse; it is not taken."""
    return [
        act("register"),
        udp(answer(200, "OK", contact=False,
                   extra='Contact: <$K>;expires=60;pub-gruu="sip:a@SERVICE ;gr=x";'
                   'temp-gruu="tel:+1;gr"')),
        act("send info"),
        udp(answer(200, "OK")),
        act("call"),
        wait(40),
    ]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "endpoint")
    os.makedirs(out, exist_ok=True)
    seeds = {
        "seed-call": call_flow(),
        "seed-cancel": cancel_flow(),
        "seed-page": page_mode(),
        "seed-stream": stream_flow(),
        "seed-faults": faults(),
        "seed-late-offer": late_offer(),
        "seed-reliable-update": reliable_and_update(),
        "seed-refer-replaces": refer_replaces(),
        "seed-two-calls": call_flow()[:3] + [
            udp(request("INVITE", 1, "b1", call="fzb", to_tag=False, body=sdp(1, 7000),
                        via_host=B), peer_b=True),
            wait(40),
            udp(request("BYE", 2, "b2", call="fzb", via_host=B), peer_b=True),
        ],
    }
    seeds.update({
        "seed-uac-call": uac_call(),
        "seed-uac-forks": uac_forks(),
        "seed-uac-auth": uac_auth(),
        "seed-uac-redirect": uac_redirect(),
        "seed-uac-reliable": uac_reliable(),
        "seed-uac-glare": uac_glare(),
        "seed-reinvite-cancel": reinvite_cancel(),
        "seed-uac-redirect-deferred": uac_redirect_deferred(),
        "seed-uac-refer": uac_refer(),
        "seed-uac-no-contact": uac_no_contact(),
        "seed-uac-contact-headers": uac_contact_headers(),
        "seed-uac-cancel-cross": uac_cancel_cross(),
        "seed-uac-early-update": uac_early_update(),
        "seed-uac-deferred-ack": uac_deferred_ack(),
        "seed-uas-ringing": uas_ringing(),
    })
    seeds.update({
        "seed-register": registration(),
        "seed-register-fail": registration_fail(),
        "seed-send-page": send_page(),
        "seed-auth-server": auth_server(),
        "seed-auth-proxy": auth_proxy(),
        "seed-page-deferred": page_deferred(),
        "seed-reinvite-deferred": reinvite_deferred(),
        "seed-uac-fork-late": uac_fork_late(),
        "seed-update-early-offers": update_early_offers(),
        "seed-register-bad-gruu": registration_bad_gruu(),
    })
    for name, records in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(SEP.join(records))


if __name__ == "__main__":
    main()
