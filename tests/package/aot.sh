#!/usr/bin/env bash
# NativeAOT and trimming check: publish examples/QuickStart for linux-x64 with PublishAot, and again self-contained with
# PublishTrimmed; fail on any trim/AOT warning (IL2xxx, IL3xxx), run both binaries and compare each output with the JIT
# run's (addresses masked: they differ per run). Prints the binaries' sizes and the start-to-exit times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

fail() { echo "aot: FAILED: $*" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64 ;;
    *) echo "aot: skipped: the check publishes for linux-x64 only (this is $(uname -s)-$(uname -m))"; exit 0 ;;
esac
if ! command -v gcc >/dev/null && command -v apt-get >/dev/null; then
    echo "aot: installing gcc and zlib1g-dev for the native link"
    (apt-get update -qq && apt-get install -y -qq gcc zlib1g-dev) >/dev/null 2>&1 || true
fi
command -v gcc >/dev/null || fail "the native link needs gcc and the zlib headers (apt-get install gcc zlib1g-dev)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet publish examples/QuickStart/QuickStart.csproj -c Release -r "$rid" -p:AllocGenNativeAot=true -o "$work/native" -nologo > "$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; fail "dotnet publish with PublishAot failed"; }
if grep -E "warning IL[23][0-9]{3}" "$work/publish.log"; then
    fail "trim/AOT warnings (above)"
fi

dotnet publish examples/QuickStart/QuickStart.csproj -c Release -r "$rid" -p:AllocGenTrimmed=true -o "$work/trimmed" -nologo > "$work/trim.log" 2>&1 \
    || { cat "$work/trim.log"; fail "dotnet publish with PublishTrimmed failed"; }
if grep -E "warning IL[23][0-9]{3}" "$work/trim.log"; then
    fail "trim warnings (above)"
fi

dotnet build examples/QuickStart/QuickStart.csproj -c Release -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "JIT build failed"; }

mask() { sed -E 's/0x[0-9A-Fa-f]+/0x…/g'; }
start=$(date +%s%N); "$work/native/QuickStart" > "$work/native.out"; native_ms=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N); "$work/trimmed/QuickStart" > "$work/trimmed.out"; trimmed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N); dotnet examples/QuickStart/bin/Release/net10.0/QuickStart.dll > "$work/jit.out"; jit_ms=$(( ($(date +%s%N) - start) / 1000000 ))
diff <(mask < "$work/jit.out") <(mask < "$work/native.out") || fail "the native output differs from the JIT run's (diff above)"
diff <(mask < "$work/jit.out") <(mask < "$work/trimmed.out") || fail "the trimmed app's output differs from the JIT run's (diff above)"

size=$(stat -c %s "$work/native/QuickStart")
trimmed_size=$(du -sk "$work/trimmed" | cut -f1)
echo "aot: QuickStart native and trimmed ($rid) print what the JIT run prints; no trim/AOT warning"
echo "aot: native binary $((size / 1024)) KiB, trimmed app folder ${trimmed_size} KiB; start to exit: native ${native_ms} ms, trimmed ${trimmed_ms} ms, JIT ${jit_ms} ms"
