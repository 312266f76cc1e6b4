#!/usr/bin/env bash
# bench/calls/profile.sh: where a UAS's time goes, on the bench/calls scenario.
#  1. perf record (the cpu-clock software event: no hardware counter needed) of the UAS while
#     SIPp drives --calls calls at --rate: the share of user and kernel time, the kernel's time
#     by what entered it (each system call, page faults, interrupts: from the kernel part of
#     each sample's call chain), and the top symbols by self time, by library and overall.
#     Kernel samples that land in _raw_spin_unlock_irqrestore and the like were taken while
#     interrupts were off (the sampling timer waits for them to come back on): read them
#     with their caller, which the entry-point view shows.
#  2. strace -c -f of the UAS over --strace-calls calls at --strace-rate (strace slows the UAS
#     down, hence the lower rate): system calls per call.
#  3. perf trace -s (the kernel's syscall tracepoints, a few µs per call instead of strace's
#     tens) over --calls calls at --rate: system calls per call at the full rate, where
#     batching differs (fewer wakeups per message).
# Usage: bench/calls/profile.sh BUILD_DIR [--uas parley|sofia|libre] [--rate 1000] [--calls 8000]
#          [--top 30] [--strace-calls 2000] [--strace-rate 200] [--hold 200] [--keep DIR]
# Environment: UAS_CORE, SIPP_CORE as for run.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

bench_help "$@"
build=${1:-build-bench}
[ $# -gt 0 ] && shift
uas=parley
rate=1000
calls=8000
top=30
scalls=2000
srate=200
hold=200
keep=
while [ $# -gt 0 ]; do
    case "$1" in
    --uas) uas=$2; shift ;;
    --rate) rate=$2; shift ;;
    --calls) calls=$2; shift ;;
    --top) top=$2; shift ;;
    --strace-calls) scalls=$2; shift ;;
    --strace-rate) srate=$2; shift ;;
    --hold) hold=$2; shift ;;
    --keep) keep=$2; shift ;;
    *) bench_usage >&2; exit 2 ;;
    esac
    shift
done
bench_init "$build" || exit 1
for t in perf strace; do
    command -v "$t" >/dev/null 2>&1 || { echo "profile: $t not found (scripts/deps.sh bench)" >&2; exit 1; }
done
bench_workdir profile "$keep" || exit 1

# ---- 1. perf ----
mkdir -p "$work/perf"
port=$(free_port) || exit 1
uas_start "$uas" "$port" "$work/perf" || exit 1
taskset -c "$SIPP_CORE" perf record -q -g -e cpu-clock -F 4999 -p "$UAS_PID" -o "$work/perf/perf.data" \
    >/dev/null 2>"$work/perf/perf.err" &
PERF_PID=$!
sipp_run "$work/perf" "$port" "$rate" "$calls" "$hold"
ok=$(sipp_stat "$work/perf" "SuccessfulCall(C)")
kill -INT "$PERF_PID"
for ((i = 0; i < 200; i++)); do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.05; done
wait "$PERF_PID"
PERF_PID=
uas_stop "$UAS_PID" 60
UAS_PID=

report() { # perf report --stdio with the given sort keys: percentage, dso, [k] or [.], symbol
    perf report -i "$work/perf/perf.data" --stdio --no-children -g none --percent-limit 0.3 "$@" \
        2>/dev/null | grep -v '^#' | grep -v '^$' |
        awk '{ printf "  %8s  %-20s %s %s\n", $1, $2, $3, $4 }'
}
# entry points: the outermost kernel frame that names why the kernel ran
entries() {
    perf script -i "$work/perf/perf.data" -F ip,sym 2>/dev/null | awk '
        function flush() {
            if (!n) return
            total++
            if (kernel) {
                k++
                what = "kernel, other"
                for (i = 2; i <= n; i++) {
                    # the frame that do_syscall_64 called names the system call
                    if (f[i] == "do_syscall_64") {
                        what = f[i - 1]
                        sub(/^_*(x64_)?(do_)?sys_/, "", what)
                        what = "syscall " what
                        break
                    }
                    if (f[i] ~ /^asm_exc_page_fault/) { what = "page fault"; break }
                    if (f[i] ~ /^asm_(sysvec|common_interrupt)/) { what = "interrupt"; break }
                }
                c[what]++
            }
            n = 0
        }
        /^$/ { flush(); next }
        {
            if (!n) kernel = ($1 ~ /^ffff/ && length($1) == 16)
            f[++n] = $2
        }
        END {
            flush()
            for (w in c) printf "  %7.2f%%  %s\n", c[w] * 100 / total, w | "sort -rn"
        }'
}
samples=$(perf script -i "$work/perf/perf.data" -G -F ip 2>/dev/null |
    awk '{ if ($1 ~ /^ffff/ && length($1) == 16) k++; else u++ }
         END { printf "%d samples, user %.1f%%, kernel %.1f%%", u + k, u * 100 / (u + k), k * 100 / (u + k) }')
echo "== perf (cpu-clock, 4999 Hz) of $uas over $ok calls at $rate/s, hold $hold ms: $samples"
echo "-- kernel time by entry point (share of all samples):"
entries | head -n 15
echo "-- by library:"
report --sort dso | head -n 12
echo "-- top $top symbols (self time):"
report --sort dso,symbol | head -n "$top"

# ---- 2. strace ----
mkdir -p "$work/strace"
port=$(free_port) || exit 1
uas_start "$uas" "$port" "$work/strace" strace -f -c -o "$work/strace/counts" || exit 1
sipp_run "$work/strace" "$port" "$srate" "$scalls" "$hold"
ok=$(sipp_stat "$work/strace" "SuccessfulCall(C)")
# SIGTERM to strace would detach it and leave the UAS running: stop the UAS, strace follows
uas_stop "$(pgrep -P "$UAS_PID" | head -n 1)" 60
for ((i = 0; i < 200; i++)); do kill -0 "$UAS_PID" 2>/dev/null || break; sleep 0.05; done
uas_stop "$UAS_PID" 5
UAS_PID=
echo "== strace -c -f of $uas over $ok calls at $srate/s (start-up and shutdown included): system calls per call"
awk -v n="$ok" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
        name = $NF; calls = $4; err = (NF == 6) ? $5 : 0
        if (calls / n >= 0.01)
            printf "  %-16s %8.2f per call%s\n", name, calls / n, err ? sprintf("  (%.2f failed)", err / n) : ""
        total += calls
    } END { printf "  %-16s %8.2f per call\n", "all", total / n }' "$work/strace/counts" | sort -k2 -rn

# ---- 3. perf trace ----
mkdir -p "$work/trace"
port=$(free_port) || exit 1
uas_start "$uas" "$port" "$work/trace" || exit 1
taskset -c "$SIPP_CORE" perf trace -s -p "$UAS_PID" -o "$work/trace/summary" >/dev/null 2>&1 &
PERF_PID=$!
sleep 0.5 # perf trace attaches to every thread before the first call (a fixed start-up delay)
sipp_run "$work/trace" "$port" "$rate" "$calls" "$hold"
ok=$(sipp_stat "$work/trace" "SuccessfulCall(C)")
kill -INT "$PERF_PID"
for ((i = 0; i < 200; i++)); do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.05; done
wait "$PERF_PID"
PERF_PID=
uas_stop "$UAS_PID" 60
UAS_PID=
echo "== perf trace -s of $uas over $ok calls at $rate/s: system calls per call (all threads)"
awk -v n="$ok" '$1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ {
        c[$1] += $2; e[$1] += $3; total += $2
    } END {
        for (s in c) if (c[s] / n >= 0.01)
            printf "  %-16s %8.2f per call%s\n", s, c[s] / n, e[s] ? sprintf("  (%.2f failed)", e[s] / n) : ""
        printf "  %-16s %8.2f per call\n", "all", total / n
    }' "$work/trace/summary" | sort -k2 -rn
[ -n "$keep" ] && echo "kept in $work"
exit 0
