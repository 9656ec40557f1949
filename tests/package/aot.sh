#!/usr/bin/env bash
# NativeAOT and trimming check, for linux-x64: publishes examples/QuickStart with PublishAot, and tests/AllocGen.AotSmoke
# (every allocator kind and thread policy, the domains' modes and debug hooks, the safe API and a Pipe) with PublishAot
# and again self-contained with PublishTrimmed. Fails on any trim/AOT warning (IL2xxx, IL3xxx), runs every binary and
# compares its output with the JIT run's (addresses masked: they differ per run). Prints sizes and start-to-exit times.
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

mask() { sed -E 's/0x[0-9A-Fa-f]+/0x…/g'; }
elapsed_ms() { local start; start=$(date +%s%N); "$@" > "$out"; echo $(( ($(date +%s%N) - start) / 1000000 )); }

# check <project path> <name> <property that turns the publish mode on> <mode label>
check() {
    local project=$1 name=$2 property=$3 mode=$4
    local dir="$work/$name-$mode"
    dotnet publish "$project" -c Release -r "$rid" "-p:$property=true" -o "$dir" -nologo > "$dir.log" 2>&1 \
        || { cat "$dir.log"; fail "dotnet publish of $name ($mode) failed"; }
    if grep -E "warning IL[23][0-9]{3}" "$dir.log"; then
        fail "trim/AOT warnings in $name ($mode) (above)"
    fi
    out="$dir.out"; local ms; ms=$(elapsed_ms "$dir/$name")
    diff <(mask < "$work/$name-jit.out") <(mask < "$dir.out") || fail "the $mode output of $name differs from the JIT run's (diff above)"
    local size; size=$(du -sk "$dir" | cut -f1)
    if [ "$mode" = native ]; then size=$(( $(stat -c %s "$dir/$name") / 1024 )); fi
    echo "aot: $name $mode ($rid) prints what the JIT run prints, no trim/AOT warning; $size KiB; start to exit ${ms} ms (JIT ${jit_ms[$name]} ms)"
}

declare -A jit_ms
for pair in "examples/QuickStart/QuickStart.csproj QuickStart" "tests/AllocGen.AotSmoke/AllocGen.AotSmoke.csproj AllocGen.AotSmoke"; do
    set -- $pair
    dotnet build "$1" -c Release -nologo > "$work/$2-build.log" 2>&1 || { cat "$work/$2-build.log"; fail "JIT build of $2 failed"; }
    out="$work/$2-jit.out"; jit_ms[$2]=$(elapsed_ms dotnet "$(dirname "$1")/bin/Release/net10.0/$2.dll")
done

check examples/QuickStart/QuickStart.csproj QuickStart AllocGenNativeAot native
check tests/AllocGen.AotSmoke/AllocGen.AotSmoke.csproj AllocGen.AotSmoke AllocGenNativeAot native
check tests/AllocGen.AotSmoke/AllocGen.AotSmoke.csproj AllocGen.AotSmoke AllocGenTrimmed trimmed
