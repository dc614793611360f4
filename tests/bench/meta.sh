# meta.sh, sourced by tests/bench/all.sh and bench.sh: bench_meta REPS
# prints the "meta" lines every raw results file starts with (when, on
# what, with which peers' versions), for tests/bench/report.lua's header.
bench_meta() {
  echo "meta date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "meta machine $(uname -m) $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
  echo "meta cpus $(nproc)"
  echo "meta load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "meta lua $(lua5.4 -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
  echo "meta go $(command -v go >/dev/null && go version | cut -d' ' -f3 || echo 'go not installed')"
  echo "meta reps $1"
}
