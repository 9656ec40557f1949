#!/usr/bin/env bash
# Runs the whole benchmark suite and regenerates docs/benchmarks.md and docs/benchmarks.svg.
#
#   bash tests/AllocGen.Benchmarks/report.sh                 # full run (BenchmarkDotNet default job)
#   bash tests/AllocGen.Benchmarks/report.sh --job short     # quick run; any extra args go to BenchmarkDotNet
#   FILTER='*Churn*' bash tests/AllocGen.Benchmarks/report.sh --job short
#
# Environment: FILTER (default '*'), DOCS_DIR (default <repo>/docs), ARTIFACTS (default
# tests/AllocGen.Benchmarks/BenchmarkDotNet.Artifacts/report), SKIP_INSTALL=1 to skip install-peers.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PROJECT="$HERE/AllocGen.Benchmarks.csproj"
FILTER="${FILTER:-*}"
DOCS_DIR="${DOCS_DIR:-$ROOT/docs}"
ARTIFACTS="${ARTIFACTS:-$HERE/BenchmarkDotNet.Artifacts/report}"

if [ "${SKIP_INSTALL:-0}" != "1" ]; then
  bash "$HERE/install-peers.sh"
fi

dotnet build -c Release "$PROJECT" -nologo -v quiet

run() { dotnet run -c Release --no-build --project "$PROJECT" -- "$@"; }

# Timed suite; results (CSV + GitHub markdown) land in $ARTIFACTS/results.
rm -rf "$ARTIFACTS/results"
run --filter "$FILTER" --artifacts "$ARTIFACTS" "$@"

# Untimed memory report: churn and spike (memory.md), producer/consumer across two threads (memory-threads.md).
run --memory --out "$ARTIFACTS/memory.md"

# docs/benchmarks.md + docs/benchmarks.svg from the CSV.
run --render "$ARTIFACTS/results" "$DOCS_DIR/benchmarks.md" "$DOCS_DIR/benchmarks.svg" --memory-md "$ARTIFACTS/memory.md" \
  --threads-memory-md "$ARTIFACTS/memory-threads.md"
