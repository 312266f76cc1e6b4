/*
 * The ladder as one self-contained HTML page: an SVG with a column per endpoint and an arrow
 * per message (class "arrow", one per message, which the tests count), coloured by session
 * (Call-ID), a legend whose check boxes show or hide each session, and the whole message shown
 * when its arrow is clicked. CSS, JS and the messages are inline: the page loads nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"
#include "sip/msg.h"

#define LEFT   90 /* time column */
#define TOP    56 /* endpoint names and the start of the bars */
#define ROW    30
#define MIN_CW 190

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))

static const char style[] =
    "body{font:14px system-ui,sans-serif;margin:16px;color:#222;background:#fff}"
    "h1{font-size:18px;margin:0 0 4px}.sum{color:#555;margin:0 0 8px}"
    "#calls{margin:4px 0 10px}#calls label{margin-right:14px;white-space:nowrap;cursor:pointer}"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px;"
    "vertical-align:-1px}#calls code{font-size:12px}"
    "#main{display:flex;gap:16px;align-items:flex-start}#wrap{overflow:auto;flex:0 0 auto}"
    "#detail{flex:1;min-width:320px;position:sticky;top:8px}"
    "#dhead{font-weight:600;margin-bottom:4px}"
    "#dtext{background:#f6f8fa;border:1px solid #ddd;padding:8px;font:12px monospace;"
    "white-space:pre-wrap;word-break:break-all;max-height:80vh;overflow:auto;margin:0}"
    "svg text{font:12px monospace}.col{font-weight:600}.bar{stroke:#999;stroke-width:1.5}"
    ".time{fill:#666}.arrow{stroke-width:2;fill:none}.label{font-weight:600}"
    "g.msg{cursor:pointer}g.msg:hover .arrow{stroke-width:3.5}"
    "g.sel .hit{fill:#fff3b0}";

static const char script[] =
    "(function(){"
    "var svg=document.getElementById('ladder'),msgs=[].slice.call(svg.querySelectorAll('g.msg')),"
    "bars=[].slice.call(svg.querySelectorAll('.bar')),sel=null;"
    "function show(g){if(sel)sel.classList.remove('sel');sel=g;g.classList.add('sel');"
    "document.getElementById('dhead').textContent=g.getAttribute('data-head');"
    "document.getElementById('dtext').textContent="
    "document.getElementById('m'+g.getAttribute('data-i')).textContent;}"
    "msgs.forEach(function(g){g.addEventListener('click',function(){show(g);});});"
    "function relayout(){var on={};[].forEach.call(document.querySelectorAll('#calls input'),"
    "function(c){on[c.getAttribute('data-call')]=c.checked;});var y=" /* TOP + ROW */
    "%d;msgs.forEach(function(g){var v=on[g.getAttribute('data-call')]!==false;"
    "g.style.display=v?'':'none';if(v){g.setAttribute('transform','translate(0,'+y+')');y+=%d;}});"
    "svg.setAttribute('height',y);bars.forEach(function(b){b.setAttribute('y2',y-%d);});}"
    "[].forEach.call(document.querySelectorAll('#calls input'),function(c){"
    "c.addEventListener('change',relayout);});"
    "if(msgs.length)show(msgs[0]);})();";

/* Text with the characters HTML gives a meaning escaped; control characters other than tab
 * and line feed (CR, NUL, escapes in hostile input) are left out or shown as '?'. */
static void put_esc(FILE *f, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        case '\r':
            break;
        case '\t':
        case '\n':
            fputc(c, f);
            break;
        default:
            fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
        }
    }
}

static void put_esc_c(FILE *f, const char *s)
{
    put_esc(f, s, strlen(s));
}

static int col_x(int cw, unsigned col)
{
    return LEFT + cw / 2 + (int)col * cw;
}

static void put_legend(cli_ladder *l, FILE *f)
{
    size_t *counts = calloc(l->ncalls ? l->ncalls : 1, sizeof(*counts));
    for (size_t i = 0; counts && i < l->nmsgs; i++)
        counts[l->msgs[i].call]++;
    fputs("<div id=\"calls\">", f);
    for (size_t c = 0; c < l->ncalls; c++) {
        fprintf(f,
                "<label><input type=\"checkbox\" checked data-call=\"%zu\">"
                "<span class=\"sw\" style=\"background:%s\"></span>call %zu: <code>",
                c, palette[c % NCOLORS], c + 1);
        put_esc_c(f, l->calls[c][0] ? l->calls[c] : "(no Call-ID)");
        fprintf(f, "</code> (%zu)</label>", counts ? counts[c] : 0);
    }
    fputs("</div>\n", f);
    free(counts);
}

static void put_msg(cli_ladder *l, FILE *f, size_t i, int cw, uint64_t t0)
{
    const ladder_msg *m = &l->msgs[i];
    char label[96];
    ladder_label(m, label, sizeof(label));
    const char *color = palette[m->call % NCOLORS];
    int y = TOP + ROW * (int)(i + 1);
    double t = (double)(m->time_us - t0) / 1e6;
    char rel[32];
    ladder_reltime(m->time_us - t0, rel, sizeof(rel));
    fprintf(f,
            "<g class=\"msg\" data-i=\"%zu\" data-call=\"%u\" transform=\"translate(0,%d)\" "
            "data-head=\"",
            i, m->call, y);
    fprintf(f, "#%zu  +%.6f s  %s  %s -&gt; %s  %zu bytes  call %u", i + 1, t, m->transport,
            l->cols[m->src], l->cols[m->dst], m->len, m->call + 1);
    fprintf(f, "\"><title>");
    put_esc_c(f, label);
    fprintf(f,
            " (%s)</title><rect class=\"hit\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"transparent\"/><text class=\"time\" x=\"6\" y=\"4\">%s</text>",
            m->transport, -ROW / 2, LEFT + cw * (int)l->ncols, ROW, rel);
    int x1 = col_x(cw, m->src), x2 = col_x(cw, m->dst);
    if (x1 == x2) { /* a message to itself: a loop back to the same bar */
        fprintf(f,
                "<path class=\"arrow\" stroke=\"%s\" marker-end=\"url(#h%zu)\" "
                "d=\"M%d -6 h36 v12 h-32\"/>",
                color, (size_t)m->call % NCOLORS, x1);
        fprintf(f, "<text class=\"label\" fill=\"%s\" x=\"%d\" y=\"-9\">", color, x1 + 42);
    } else {
        int head = x2 > x1 ? -4 : 4; /* the head's tip stops on the bar */
        fprintf(f,
                "<line class=\"arrow\" stroke=\"%s\" marker-end=\"url(#h%zu)\" x1=\"%d\" "
                "y1=\"0\" x2=\"%d\" y2=\"0\"/>",
                color, (size_t)m->call % NCOLORS, x1, x2 + head);
        fprintf(f, "<text class=\"label\" fill=\"%s\" x=\"%d\" y=\"-6\" text-anchor=\"middle\">",
                color, (x1 + x2) / 2);
    }
    put_esc_c(f, label);
    fputs("</text></g>\n", f);
}

int ladder_write_html(cli_ladder *l, FILE *f, const char *title)
{
    ladder_sort(l);
    size_t maxlen = 0;
    for (size_t i = 0; i < l->ncols; i++)
        if (strlen(l->cols[i]) > maxlen)
            maxlen = strlen(l->cols[i]);
    int cw = (int)maxlen * 8 + 40 > MIN_CW ? (int)maxlen * 8 + 40 : MIN_CW;
    int width = LEFT + cw * (int)(l->ncols ? l->ncols : 1) + 40;
    int height = TOP + ROW * (int)(l->nmsgs + 1);
    uint64_t t0 = l->nmsgs ? l->msgs[0].time_us : 0;

    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\"><title>",
          f);
    put_esc_c(f, title);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>", style);
    put_esc_c(f, title);
    fprintf(f, "</h1><p class=\"sum\">%zu SIP messages between %zu endpoints in %zu call%s",
            l->nmsgs, l->ncols, l->ncalls, l->ncalls == 1 ? "" : "s");
    if (l->dropped)
        fprintf(f, "; %zu more left out (at most %d messages, %u MiB)", l->dropped, LADDER_MAX_MSGS,
                LADDER_MAX_BYTES >> 20);
    fputs(". Click an arrow to see the message.</p>\n", f);
    put_legend(l, f);
    fprintf(f,
            "<div id=\"main\"><div id=\"wrap\"><svg id=\"ladder\" "
            "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\"><defs>",
            width, height);
    for (size_t c = 0; c < NCOLORS; c++)
        fprintf(f,
                "<marker id=\"h%zu\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
                "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"%s\"/></marker>",
                c, palette[c]);
    fputs("</defs>\n", f);
    for (size_t i = 0; i < l->ncols; i++) {
        int x = col_x(cw, (unsigned)i);
        fprintf(f, "<text class=\"col\" x=\"%d\" y=\"22\" text-anchor=\"middle\">", x);
        put_esc_c(f, l->cols[i]);
        fprintf(f, "</text><line class=\"bar\" x1=\"%d\" y1=\"32\" x2=\"%d\" y2=\"%d\"/>\n", x, x,
                height - ROW);
    }
    for (size_t i = 0; i < l->nmsgs; i++)
        put_msg(l, f, i, cw, t0);
    fputs("</svg></div><div id=\"detail\"><div id=\"dhead\"></div><pre id=\"dtext\"></pre>"
          "</div></div>\n<div hidden>\n",
          f);
    for (size_t i = 0; i < l->nmsgs; i++) {
        const sip_msg *m = l->msgs[i].m; /* the bytes as they were on the wire */
        fprintf(f, "<pre id=\"m%zu\">", i);
        put_esc(f, m->data.p, m->data.len);
        fputs("</pre>\n", f);
    }
    fputs("</div>\n<script>", f);
    fprintf(f, script, TOP + ROW, ROW, ROW);
    fputs("</script>\n</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}

int ladder_write_html_file(cli_ladder *l, const char *path, const char *title)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = ladder_write_html(l, f, title);
    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    errno = e;
    return rc;
}
