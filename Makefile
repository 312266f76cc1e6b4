# parley: the two commands are `make demo` and `make test`. Both install missing Debian
# packages first (scripts/deps.sh).

BUILD    ?= build
SAN      ?= build-san
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-build test-san fuzz fuzz-smoke bench format clean

all: build

deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/parley demo

# Every test: the normal build, then the sanitizer build (clang, ASan+UBSan) with the
# fuzz targets run over their seed corpora for a bounded time.
test: deps test-build test-san fuzz-smoke
	@echo "make test: all passed"

test-build: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

san-build: deps
	@CC=clang cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON \
	  -DPARLEY_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SAN) -j$(JOBS)

test-san: san-build
	cd $(SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -LE nosan

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
