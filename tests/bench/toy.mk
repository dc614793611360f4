# tests/bench/toy.mk: bench-toy, the toy examples (build/toy run
# examples/X.toy) beside the same programs in Lua 5.4 (tests/bench/lua) and,
# when `go` is installed, binary-trees in Go (tests/bench/go); writes
# $(BUILD)/bench/toy.md. Knob: BENCH_TOY_REPS (runs per implementation).
BENCHES += toy
BENCH_TOY_REPS ?= 3
BENCH_GO := $(shell command -v go 2>/dev/null)
BENCH_GO_PROGS := $(if $(BENCH_GO),$(BENCH_DIR)/go/binary_trees)
.PHONY: bench-toy

# No modules and no network: GOPATH mode, caches under $(BUILD).
$(BENCH_DIR)/go/%: tests/bench/go/%.go
	@mkdir -p $(dir $@)
	GO111MODULE=off GOFLAGS= GOCACHE=$(abspath $(BENCH_DIR))/go/cache \
	  GOPATH=$(abspath $(BENCH_DIR))/go/path go build -o $@ $<

bench-toy: $(BUILD)/toy $(BENCH_DIR)/runrss $(BENCH_GO_PROGS)
	tests/bench/toy.sh $(BENCH_DIR) $(BUILD)/toy $(BENCH_TOY_REPS)
