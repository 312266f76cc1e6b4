/* bench/sdp: the per-call SDP cases counted with callgrind (cases.c). */
#ifndef BENCH_SDP_CASES_H
#define BENCH_SDP_CASES_H

/* `--list`: prints one case name a line. `--instr CASE [--iters N]`: runs CASE N times with
 * callgrind collecting only the measured operation, then prints "instr-ops: N". Returns the exit
 * status. */
int bench_sdp_cases_main(int argc, char **argv);

#endif
