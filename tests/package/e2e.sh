#!/usr/bin/env bash
# End-to-end check of the NuGet package, as a user would meet it: pack into a local feed, check what the package
# holds, create a fresh console project OUTSIDE the repository (so no Directory.Build.* applies) with the nuget.config
# that README.md documents (the local feed mapped to AllocGen, nuget.org for everything else), `dotnet add package
# AllocGen`, declare a [PoolAllocator] and a [BumpArena], build for net8.0 and net10.0 (with PublishAot, so the SDK
# must fetch the NativeAOT compiler and the net8.0 targeting pack from nuget.org through that config) with warnings
# as errors, run both, check the output; then check that an invalid configuration fails the build with the expected
# AG diagnostic.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/allocgen-e2e.XXXXXX")"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
packages="$work/packages"   # a private package cache, so a stale AllocGen from an earlier run is never used

echo "== pack AllocGen into $feed"
dotnet pack "$repo/src/AllocGen/AllocGen.csproj" -c Release -o "$feed" -nologo -v q
version="$(ls "$feed" | sed -n 's/^AllocGen\.\([0-9][^s]*\)\.nupkg$/\1/p' | head -n 1)"
[ -n "$version" ] || { echo "no AllocGen package was produced"; exit 1; }
echo "   version $version"

fail() { echo "FAIL: $*"; exit 1; }

echo "== package contents"
nupkg="$feed/AllocGen.$version.nupkg"
contents="$(unzip -Z1 "$nupkg")"
for entry in lib/net8.0/AllocGen.dll lib/net10.0/AllocGen.dll analyzers/dotnet/cs/AllocGen.Generators.dll analyzers/dotnet/cs/Scriban.Signed.dll; do
  grep -qxF "$entry" <<<"$contents" || fail "$entry is not in the package"
done
readme="$(unzip -p "$nupkg" AllocGen.nuspec | sed -n 's:.*<readme>\(.*\)</readme>.*:\1:p')"
[ -n "$readme" ] || fail "the package declares no readme"
# A package page resolves nothing relative to the repository: every link and image must be absolute (or an anchor).
relative="$(unzip -p "$nupkg" "$readme" | grep -oE '\]\([^)]*\)|<img[^>]*src="[^"]*"' | grep -vE '\]\((https://|#)|src="https://' || true)"
[ -z "$relative" ] || fail "the package README $readme has relative links: $relative"
echo "   readme $readme, lib/net8.0 and lib/net10.0, generator and Scriban as analyzers"

# README.md's nuget.config, verbatim but for the feed folder: the first xml block that maps package sources.
placeholder="path/to/AllocGen/artifacts"
documented_config="$(awk '
  /^```xml$/ { in_block = 1; block = ""; next }
  in_block && /^```$/ { if (block ~ /<packageSourceMapping>/) { printf "%s", block; exit } in_block = 0; next }
  in_block { block = block $0 "\n" }' "$repo/README.md")"
grep -qF "value=\"$placeholder\"" <<<"$documented_config" || fail "README.md has no nuget.config block with the source $placeholder"

# A fresh project ($2: its target frameworks; $3: extra properties) that gets AllocGen as the README says.
make_project() {
  local dir="$1" frameworks="$2" extra="${3:-}"
  mkdir -p "$dir"
  printf '%s\n' "${documented_config//"$placeholder"/"$feed"}" > "$dir/nuget.config"
  cat > "$dir/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFrameworks>$frameworks</TargetFrameworks>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <RestorePackagesPath>$packages</RestorePackagesPath>$extra
  </PropertyGroup>
</Project>
XML
  (cd "$dir" && dotnet add package AllocGen > "$dir/add.log" 2>&1) || { cat "$dir/add.log"; fail "dotnet add package AllocGen failed in $dir"; }
  grep -q "<PackageReference Include=\"AllocGen\" Version=\"$version\" />" "$dir/Consumer.csproj" \
    || { cat "$dir/Consumer.csproj"; fail "dotnet add package did not reference AllocGen $version"; }
}

echo "== fresh consumer with a valid [PoolAllocator] and [BumpArena] (net8.0 and net10.0, PublishAot on net10.0)"
good="$work/good"
make_project "$good" "net8.0;net10.0" "
    <PublishAot Condition=\"'\$(TargetFramework)' == 'net10.0'\">true</PublishAot>"
ls "$packages" | grep -qi '^microsoft\.dotnet\.ilcompiler$' || fail "the NativeAOT compiler was not restored from nuget.org"
cat > "$good/Program.cs" <<'CS'
using AllocGen;

unsafe
{
    using var heap = new ConsumerHeap();
    long* value = heap.Allocate<long>();
    *value = 42;
    byte* big = (byte*)heap.Allocate(4000);
    big[3999] = 7;
    Console.WriteLine($"round-trip {*value} {big[3999]} owns={heap.Owns(value)}");
    heap.Free(big);
    heap.Free(value);
    var stats = heap.GetStats();
    Console.WriteLine($"stats arenas={stats.ArenasCurrent} inuse={stats.BytesInUse}");

    using var arena = new ConsumerArena();
    Span<int> numbers = arena.AllocateSpan<int>(100);
    numbers.Fill(3);
    Console.WriteLine($"arena sum={numbers.ToArray().Sum()} blocks={arena.BlockCount}");
}

[PoolAllocator(PoolSize = 4096, Alignment = 8)]
public sealed partial class ConsumerHeap { }

[BumpArena]
public sealed partial class ConsumerArena { }
CS
dotnet build "$good" -c Release -nologo -v q
for framework in net10.0 net8.0; do
  cmp -s "$good/bin/Release/$framework/AllocGen.dll" <(unzip -p "$nupkg" "lib/$framework/AllocGen.dll") \
    || fail "the $framework build does not run the package's lib/$framework runtime"
  # Only the .NET 10 runtime may be installed: the net8.0 build runs on it by rolling forward.
  output="$(DOTNET_ROLL_FORWARD=Major dotnet "$good/bin/Release/$framework/Consumer.dll")"
  echo "$framework: $output"
  grep -q "^round-trip 42 7 owns=True$" <<<"$output" || fail "$framework: allocation round-trip line missing"
  grep -q "^stats arenas=1 inuse=0$" <<<"$output" || fail "$framework: stats line missing"
  grep -q "^arena sum=300 blocks=1$" <<<"$output" || fail "$framework: arena line missing"
done

echo "== fresh consumer with an invalid configuration must fail with AG0004"
bad="$work/bad"
make_project "$bad" "net10.0"
cat > "$bad/Program.cs" <<'CS'
using AllocGen;

Console.WriteLine("unreachable");

[PoolAllocator(ArenaSize = 1000000)]
public sealed partial class BadHeap { }
CS
if dotnet build "$bad" -c Release -nologo -v q > "$work/bad.log" 2>&1; then
  cat "$work/bad.log"
  echo "FAIL: the invalid configuration built"
  exit 1
fi
grep -q "error AG0004" "$work/bad.log" || { cat "$work/bad.log"; echo "FAIL: AG0004 not reported"; exit 1; }
grep -q "Program.cs(5,16)" "$work/bad.log" || { cat "$work/bad.log"; echo "FAIL: AG0004 not at the ArenaSize argument"; exit 1; }
if grep -q "CS8784\|CS8785" "$work/bad.log"; then cat "$work/bad.log"; echo "FAIL: the generator did not load"; exit 1; fi

echo "package e2e: 2 passed, 0 failed"
