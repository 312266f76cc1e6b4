#!/bin/sh
# The CLI's help contract: `parley --version` prints "parley X.Y.Z" (the CMake project version);
# `parley help COMMAND`, `parley COMMAND --help` and `-h` print that command's usage on standard
# output and exit 0; an unknown option or command prints the usage on standard error and exits 2
# (cli.h); every option a command's source accepts appears in its usage.
# Usage: test_help.sh PATH_TO_PARLEY
set -u
parley=${1:?usage: test_help.sh PATH_TO_PARLEY}
src=${PARLEY_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/parley-help-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run ARGS...: stdout, stderr and the exit code in $tmp/out, $tmp/err, $rc (bounded: a command
# that would start an endpoint instead of answering is a failure, not a hang)
run() {
    timeout 10 "$parley" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
}

want_version=$(sed -n 's/^project(parley VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
run --version
[ $rc -eq 0 ] || fail "--version exited $rc"
[ "$(cat "$tmp/out")" = "parley $want_version" ] ||
    fail "--version printed '$(cat "$tmp/out")', want 'parley $want_version'"

for args in "help" "--help" "-h" "help --help" "help -h" "help help"; do
    run $args
    [ $rc -eq 0 ] || fail "parley $args exited $rc"
    grep -q '^usage: parley COMMAND' "$tmp/out" || fail "parley $args: no usage on stdout"
    for c in parse send listen call demo ladder; do
        grep -q "^  $c " "$tmp/out" || fail "parley $args does not list '$c'"
    done
done

for c in parse send listen call demo ladder; do
    run help $c
    [ $rc -eq 0 ] || fail "parley help $c exited $rc"
    cp "$tmp/out" "$tmp/help_$c"
    head -1 "$tmp/out" | grep -q "^usage: parley $c" || fail "parley help $c: $(head -1 "$tmp/out")"
    for flag in --help -h; do
        run $c $flag
        [ $rc -eq 0 ] || fail "parley $c $flag exited $rc: $(cat "$tmp/err")"
        [ -s "$tmp/err" ] && fail "parley $c $flag wrote on stderr: $(cat "$tmp/err")"
        cmp -s "$tmp/out" "$tmp/help_$c" || fail "parley $c $flag differs from parley help $c"
    done
    # --help wins wherever it is, even after an option that takes a value's place
    run $c --help --bind
    [ $rc -eq 0 ] || fail "parley $c --help --bind exited $rc"

    run $c --no-such-option
    [ $rc -eq 2 ] || fail "parley $c --no-such-option exited $rc, want 2"
    [ -s "$tmp/out" ] && fail "parley $c --no-such-option wrote on stdout"
    grep -q "no-such-option" "$tmp/err" || fail "parley $c: the error does not name the option"
    grep -q "^usage: parley $c" "$tmp/err" || fail "parley $c --no-such-option: no usage on stderr"

    # every option the command's source compares against is in its usage
    for opt in $(grep -o '"--[a-z-]*"' "$src/tools/parley/cmd_$c.c" | tr -d '"' | sort -u); do
        grep -q -- "$opt" "$tmp/help_$c" || fail "parley $c accepts $opt but its usage omits it"
    done
done
for c in listen call send demo; do
    for opt in --pcap --ladder; do
        grep -q -- "$opt" "$tmp/help_$c" || fail "parley $c: usage lacks $opt"
    done
done
for c in listen call send; do
    grep -q -- "--trace" "$tmp/help_$c" || fail "parley $c: usage lacks --trace"
done

# values: a missing one is a usage error, not a crash or a hang
run call sip:bob@127.0.0.1:9 --from
[ $rc -eq 2 ] || fail "parley call URI --from (no value) exited $rc"
run send sip:bob@127.0.0.1:9
[ $rc -eq 2 ] || fail "parley send URI (no TEXT) exited $rc"
# a sips: URI is TLS by its scheme: the refusal of another --transport says so (the URI has
# no transport= parameter to quote)
run send sips:bob@127.0.0.1:9 hi --transport udp
[ $rc -eq 2 ] || fail "parley send sips: --transport udp exited $rc"
grep -q "a sips: URI needs TLS" "$tmp/err" || fail "parley send sips: --transport udp: $(cat "$tmp/err")"
run ladder
[ $rc -eq 2 ] || fail "parley ladder (no file) exited $rc"
run call --help-me
[ $rc -eq 2 ] || fail "parley call --help-me exited $rc"
# a redirect target that is no URI is refused at once, not answered 500 on each call
run listen --bind udp:127.0.0.1:0 --answer "redirect:sip:a@127.0.0.1,notauri"
[ $rc -eq 2 ] || fail "parley listen --answer redirect:NOT-A-URI exited $rc"
grep -q "bad --answer" "$tmp/err" || fail "parley listen --answer redirect:NOT-A-URI: no error"

run
[ $rc -eq 2 ] || fail "parley (no command) exited $rc"
grep -q '^usage: parley' "$tmp/err" || fail "parley (no command): no usage on stderr"
run no-such-command
[ $rc -eq 2 ] || fail "parley no-such-command exited $rc"
run help no-such-command
[ $rc -eq 2 ] || fail "parley help no-such-command exited $rc"
run --no-such-option
[ $rc -eq 2 ] || fail "parley --no-such-option exited $rc"

[ $failures -eq 0 ] || exit 1
echo "ok - --version, help, --help/-h on every command, unknown options exit 2"
