#!/bin/sh
# Every public header compiles alone as C99 (-pedantic) and as C++17, without a warning, and
# the _INIT macros initialise their structs in both languages.
set -u
CC=$1
CXX=$2
ROOT=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # language file
    if [ "$1" = c ]; then
        "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -I"$ROOT/include" -c "$2" \
            -o "$work/out.o" 2>"$work/err" || { echo "FAIL: $2 as C99"; cat "$work/err"; fails=$((fails + 1)); }
    else
        "$CXX" -std=c++17 -Wall -Wextra -Werror -I"$ROOT/include" -c "$2" \
            -o "$work/out.o" 2>"$work/err" || { echo "FAIL: $2 as C++17"; cat "$work/err"; fails=$((fails + 1)); }
    fi
}
if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "SKIP: no C++ compiler ($CXX); install g++"
    exit 77
fi
for h in "$ROOT"/include/parley/*.h; do
    name=$(basename "$h" .h)
    printf '#include <parley/%s.h>\nint parley_header_test_%s;\n' "$name" "$name" >"$work/$name.c"
    cp "$work/$name.c" "$work/$name.cpp"
    check c "$work/$name.c"
    check cpp "$work/$name.cpp"
done
# the initialisers, used as a user would
cat >"$work/init.c" <<'SRC'
#include <parley/parley.h>
int parley_init_test(void);
int parley_init_test(void)
{
    parley_endpoint_config ec = PARLEY_ENDPOINT_CONFIG_INIT;
    parley_session_opts so = PARLEY_SESSION_OPTS_INIT;
    parley_parse_limits pl = PARLEY_PARSE_LIMITS_INIT;
    parley_sdp_cfg sc = PARLEY_SDP_CFG_INIT;
    parley_sdp_stream_cfg ss = PARLEY_SDP_STREAM_CFG_INIT;
    parley_sdp_limits sl = PARLEY_SDP_LIMITS_INIT;
    parley_endpoint_stats st = PARLEY_ENDPOINT_STATS_INIT;
    parley_session_settings se = PARLEY_SESSION_SETTINGS_INIT;
    parley_registration_config rc = PARLEY_REGISTRATION_CONFIG_INIT;
    return se.min_se == 0 && rc.registrar == 0 && ec.uri == 0 && so.call_id == 0 && pl.max_size == 65536 && sc.user == 0 &&
           ss.media == 0 && sl.max_size != 1 && st.size == sizeof(st) && st.sessions == 0 &&
           ec.max_sessions != PARLEY_UNLIMITED;
}
SRC
# every *_INIT macro the headers define is used above (a new one is added here too)
for m in $(grep -ho '^#define PARLEY_[A-Z0-9_]*_INIT\b' "$ROOT"/include/parley/*.h | cut -d' ' -f2); do
    [ "$m" = PARLEY_ZERO_INIT ] && continue
    grep -q "= $m;" "$work/init.c" || { echo "FAIL: $m is not in the initialiser test"; fails=$((fails + 1)); }
done
cp "$work/init.c" "$work/init.cpp"
check c "$work/init.c"
check cpp "$work/init.cpp"
[ "$fails" -eq 0 ] || exit 1
echo "ok - every public header compiles alone as C99 and C++17, INIT macros included"
