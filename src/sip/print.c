#include "sip/print.h"

#include <string.h>

#include "sip/scan.h"

void sip_print_request_line(pl_buf *b, pl_str method, pl_str ruri)
{
    pl_buf_put_str(b, method);
    pl_buf_putc(b, ' ');
    pl_buf_put_str(b, ruri);
    pl_buf_put(b, " SIP/2.0\r\n", 10);
}

void sip_print_status_line(pl_buf *b, unsigned status, pl_str reason)
{
    if (status >= 100 && status <= 999) {
        /* every status code has three digits: written with the line's start in one piece */
        char head[12] = "SIP/2.0 ";
        head[8] = (char)('0' + status / 100);
        head[9] = (char)('0' + status / 10 % 10);
        head[10] = (char)('0' + status % 10);
        head[11] = ' ';
        pl_buf_put(b, head, sizeof(head));
    } else {
        pl_buf_put(b, "SIP/2.0 ", 8);
        pl_buf_put_u64(b, status);
        pl_buf_putc(b, ' ');
    }
    pl_buf_put_str(b, reason);
    pl_buf_put(b, "\r\n", 2);
}

/* Copies v with every LWS run that holds a line break turned into one SP. */
static void put_unfolded(pl_buf *b, pl_str v)
{
    if (!v.len)
        return;
    if (!memchr(v.p, '\n', v.len) && !memchr(v.p, '\r', v.len)) {
        pl_buf_put_str(b, v); /* one line, as nearly every value is: copied whole */
        return;
    }
    size_t i = 0;
    while (i < v.len) {
        size_t s = i;
        while (i < v.len && !sip_is_lws_char(v.p[i]))
            i++;
        pl_buf_put(b, v.p + s, i - s);
        size_t run = i;
        bool brk = false;
        while (i < v.len && sip_is_lws_char(v.p[i])) {
            brk |= v.p[i] == '\r' || v.p[i] == '\n';
            i++;
        }
        if (brk)
            pl_buf_putc(b, ' ');
        else
            pl_buf_put(b, v.p + run, i - run);
    }
}

void sip_print_display(pl_buf *b, pl_str d)
{
    bool quoted = d.len >= 2 && d.p[0] == '"' && d.p[d.len - 1] == '"';
    size_t i = quoted ? 1 : 0, end = quoted ? d.len - 1 : d.len;
    while (i < end) {
        char c = d.p[i];
        if (c == '\\' && quoted && i + 1 < end) {
            pl_buf_putc(b, d.p[i + 1]);
            i += 2;
        } else if (sip_is_lws_char(c)) {
            /* a run of LWS holding a line break is one SP; plain blanks stay as written */
            size_t run = i;
            bool brk = false;
            while (i < end && sip_is_lws_char(d.p[i])) {
                brk |= d.p[i] == '\r' || d.p[i] == '\n';
                i++;
            }
            if (brk)
                pl_buf_putc(b, ' ');
            else
                pl_buf_put(b, d.p + run, i - run);
        } else {
            pl_buf_putc(b, c);
            i++;
        }
    }
}

void sip_print_header(pl_buf *b, pl_str name, pl_str value)
{
    pl_buf_put_str(b, name);
    pl_buf_put(b, ": ", 2);
    put_unfolded(b, value);
    pl_buf_put(b, "\r\n", 2);
}

void sip_print_body(pl_buf *b, pl_str content_type, pl_str body)
{
    if (body.len && content_type.len)
        sip_print_header(b, PL_STR_LIT("Content-Type"), content_type);
    pl_buf_put(b, "Content-Length: ", 16);
    pl_buf_put_u64(b, body.len);
    pl_buf_put(b, "\r\n\r\n", 4);
    pl_buf_put_str(b, body);
}

void sip_msg_print(pl_buf *b, const sip_msg *m)
{
    if (m->is_request)
        sip_print_request_line(b, m->method, m->ruri.raw);
    else
        sip_print_status_line(b, m->status, m->reason);
    for (uint16_t i = 0; i < m->nhdrs; i++) {
        const sip_hdr *h = &m->hdrs[i];
        pl_str name = h->id ? pl_str_c(sip_hdr_table[h->id].name) : h->name;
        sip_print_header(b, name, h->value);
    }
    pl_buf_put(b, "\r\n", 2);
    pl_buf_put_str(b, m->body);
}

const char *sip_reason_phrase(unsigned status)
{
    switch (status) {
    case 100:
        return "Trying";
    case 180:
        return "Ringing";
    case 181:
        return "Call Is Being Forwarded";
    case 182:
        return "Queued";
    case 183:
        return "Session Progress";
    case 199:
        return "Early Dialog Terminated";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Notification";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Moved Temporarily";
    case 305:
        return "Use Proxy";
    case 380:
        return "Alternative Service";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 413:
        return "Request Entity Too Large";
    case 414:
        return "Request-URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Unsupported URI Scheme";
    case 420:
        return "Bad Extension";
    case 421:
        return "Extension Required";
    case 422:
        return "Session Interval Too Small";
    case 423:
        return "Interval Too Brief";
    case 480:
        return "Temporarily Unavailable";
    case 481:
        return "Call/Transaction Does Not Exist";
    case 482:
        return "Loop Detected";
    case 483:
        return "Too Many Hops";
    case 484:
        return "Address Incomplete";
    case 485:
        return "Ambiguous";
    case 486:
        return "Busy Here";
    case 487:
        return "Request Terminated";
    case 488:
        return "Not Acceptable Here";
    case 489:
        return "Bad Event";
    case 491:
        return "Request Pending";
    case 493:
        return "Undecipherable";
    case 500:
        return "Server Internal Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Server Time-out";
    case 505:
        return "Version Not Supported";
    case 513:
        return "Message Too Large";
    case 600:
        return "Busy Everywhere";
    case 603:
        return "Decline";
    case 604:
        return "Does Not Exist Anywhere";
    case 606:
        return "Not Acceptable";
    default:
        return "";
    }
}
