# parley: the two commands are `make demo` and `make test`. Both install missing Debian
# packages first (scripts/deps.sh): `make build`, `make demo` and `make install` only the build
# profile (compiler, CMake, pkg-config, libuv, OpenSSL, c-ares), `make test` the test profile.

BUILD    ?= build
SAN      ?= build-san
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 80
CMAKE_FLAGS ?=
PREFIX   ?= /usr/local

.PHONY: all deps deps-build configure build demo install test test-build test-san san-build fuzz fuzz-smoke \
	memcheck soak bench format clean

all: build

deps:
	@scripts/deps.sh test

deps-build:
	@scripts/deps.sh build

# Without the test profile (no cmocka) the tests are left out of the build; `make test`
# installs it and configures them back in.
configure: deps-build
	@if pkg-config --exists cmocka; then tests=ON; else tests=OFF; fi; \
	  cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=$$tests \
	  $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# only the CLI: the demo does not wait for the tests to compile
demo: configure
	@cmake --build $(BUILD) -j$(JOBS) --target parley_tool
	$(BUILD)/parley demo --pcap $(BUILD)/demo.pcap --ladder $(BUILD)/demo.html

# make install PREFIX=DIR: the library (shared and static), headers, the CLI and parley.pc.
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# Every test: the normal build, valgrind over the protocol tests, then the sanitizer build
# (clang, ASan+UBSan) with the fuzz targets run over their seed corpora for a bounded time.
test: deps test-build memcheck test-san fuzz-smoke
	@echo "make test: all passed"

test-build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=ON \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

san-build: deps
	@CC=clang cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON \
	  -DPARLEY_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SAN) -j$(JOBS)

test-san: san-build
	cd $(SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -LE nosan

# valgrind memcheck over the protocol tests (about 15 s on 2 cores): no error, no definite leak.
memcheck: build
	@scripts/memcheck.sh $(BUILD)

# Long runs, not in make test (a few minutes, root for the network namespaces): 1000 calls
# with a MESSAGE each over a 20% lossy link, then the INVITE flood's memory coming back.
soak: build
	@bash tests/soak/soak_loss.sh $(BUILD)/parley $(BUILD)/tests/soak_calls
	@bash tests/soak/soak_flood_memory.sh $(BUILD)/parley

fuzz-smoke: san-build
	@scripts/fuzz.sh $(SAN) $(FUZZ_SECONDS)

# make fuzz FUZZ_SECONDS=3600: longer fuzzing, new inputs kept in build-san/fuzz-corpus/.
fuzz: san-build
	@scripts/fuzz.sh $(SAN) $(FUZZ_SECONDS) keep

# make bench: every benchmark (bench/*/run.sh); make bench BENCH="calls hold": those only;
# BENCH_ARGS="--rates 1000 --rounds 3" passes options to each.
BENCH ?=
bench:
	@scripts/deps.sh bench
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DPARLEY_BENCH=ON \
	  -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build build-bench -j$(JOBS)
	@BENCH_ARGS="$(BENCH_ARGS)" scripts/bench.sh build-bench $(BENCH)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SAN) build-bench
