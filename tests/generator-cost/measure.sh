#!/usr/bin/env bash
# Measures how long the AllocGen generator takes inside the compiler on a command-line build.
#
# For each N it writes a consumer project with N [PoolAllocator] classes of different configurations into a
# temporary folder (never into the repository), referencing the in-repo runtime and generator exactly as the
# repository's own consumers do (UsesAllocGen, through the repository's Directory.Build.targets), and builds it with
# -p:ReportAnalyzer=true. The compiler then prints each generator's time; this script keeps AllocGen's.
#
#   first build : the consumer's obj/ and bin/ deleted, so Csc runs from scratch
#   rebuild     : one source file touched, so Csc runs again (the generator runs again in full: the command-line
#                 compiler keeps no generator state from one compilation to the next)
#
# Each is run RUNS times (default 3) and the median printed, with the minimum and maximum, since the machine may be
# shared. Usage: bash tests/generator-cost/measure.sh [N...]   (default: 1 10 40 64)
#   RUNS=5 bash tests/generator-cost/measure.sh 64
#   KEEP=1 keeps the temporary folder (its path is printed) to look at the build logs.
set -euo pipefail
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${RUNS:-3}"
counts=("$@")
[ ${#counts[@]} -eq 0 ] && counts=(1 10 40 64)
work="$(mktemp -d "${TMPDIR:-/tmp}/allocgen-generator-cost.XXXXXX")"
[ "${KEEP:-0}" = 1 ] && echo "work folder: $work" || trap 'rm -rf "$work"' EXIT

# Build the runtime and the generator once up front, so that no measured build compiles them.
dotnet build "$root/src/AllocGen/AllocGen.csproj" -c Release -nologo -v:q >/dev/null
dotnet build "$root/generators/AllocGen.Generators/AllocGen.Generators.csproj" -c Release -nologo -v:q >/dev/null

# The i-th allocator: arena 256 KiB..2 MiB, pool 4..16 KiB, alignment 8..32, threshold 256 or 512, every third with
# explicit [SizeClasses], every fifth Locked and every fifth PerThread. No two of the first 64 are identical.
allocator() {
    local i=$1
    local arena=$((1 << (18 + i % 4))) pool=$((1 << (12 + i % 3))) align=$((8 << (i % 3)))
    local threshold=$(( (i % 2) == 0 ? 512 : 256 ))
    local threading=""
    case $((i % 5)) in
        3) threading=", Threading = ThreadPolicy.Locked" ;;
        4) threading=", Threading = ThreadPolicy.PerThread" ;;
    esac
    echo "[PoolAllocator(ArenaSize = $arena, PoolSize = $pool, Alignment = $align, SmallRequestThreshold = $threshold$threading)]"
    if [ $((i % 3)) -eq 2 ]; then
        local sizes="" s=$align
        while [ $s -lt $threshold ]; do sizes+="$s, "; s=$((s * 2)); done
        echo "[SizeClasses(${sizes}$((threshold - align)), $threshold)]"
    fi
    echo "public sealed partial class Heap$i { }"
    echo
}

write_project() {
    local n=$1 dir=$2
    mkdir -p "$dir"
    cat >"$dir/Directory.Build.targets" <<XML
<Project>
  <Import Project="$root/Directory.Build.targets" />
</Project>
XML
    cat >"$dir/GeneratorCost.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <OutputType>Library</OutputType>
    <UsesAllocGen>true</UsesAllocGen>
  </PropertyGroup>
</Project>
XML
    {
        echo "using AllocGen;"
        echo
        echo "namespace GeneratorCost;"
        echo
        for ((i = 0; i < n; i++)); do allocator "$i"; done
    } >"$dir/Allocators.cs"
    echo "namespace GeneratorCost; internal static class Touched { }" >"$dir/Touched.cs"
}

# Builds and prints AllocGen's generator time in milliseconds (from the compiler's ReportAnalyzer summary).
build_ms() {
    local dir=$1 log=$2
    dotnet build "$dir/GeneratorCost.csproj" -c Release -nologo -p:ReportAnalyzer=true -v:n "-flp:v=diag;logfile=$log" >/dev/null
    local seconds
    # The summary: "Total generator execution time: ..." then "<seconds> <percent> <generator> (<assembly>)" rows.
    seconds=$(grep -E '^\s*[0-9.<]+\s+[0-9<]+\s+AllocGen\.Generators\.AllocatorGenerator' "$log" | tail -1 | awk '{print $1}')
    [ -n "$seconds" ] || { echo "no AllocGen generator time in $log" >&2; exit 1; }
    [ "$seconds" = "<0.001" ] && seconds=0
    awk -v s="$seconds" 'BEGIN { printf "%.0f\n", s * 1000 }'
}

# Median, min and max of the numbers on stdin.
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%d (%d..%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

printf '%-4s  %-22s  %-22s  %s\n' N "first build ms" "rebuild ms" "per allocator (first / rebuild)"
for n in "${counts[@]}"; do
    dir="$work/n$n"
    write_project "$n" "$dir"
    first=() again=()
    for ((r = 0; r < runs; r++)); do
        rm -rf "$dir/obj" "$dir/bin"
        first+=("$(build_ms "$dir" "$work/n$n.first.$r.log")")
        touch "$dir/Touched.cs"
        again+=("$(build_ms "$dir" "$work/n$n.rebuild.$r.log")")
    done
    f=$(printf '%s\n' "${first[@]}" | stats)
    a=$(printf '%s\n' "${again[@]}" | stats)
    fm=$(printf '%s\n' "${first[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    am=$(printf '%s\n' "${again[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-4s  %-22s  %-22s  %.1f / %.1f\n' "$n" "$f" "$a" "$(echo "$fm / $n" | bc -l)" "$(echo "$am / $n" | bc -l)"
done
