#!/usr/bin/env bash
# End-to-end check of the NuGet package, as a user would meet it: pack into a local feed, create a fresh console
# project OUTSIDE the repository (so no Directory.Build.* applies), add AllocGen from that feed only, declare a
# [PoolAllocator] and a [BumpArena], build with warnings as errors, run, check the output; then check that an
# invalid configuration fails the build with the expected AG diagnostic.
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

make_project() {
  local dir="$1"
  mkdir -p "$dir"
  cat > "$dir/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
  </packageSources>
</configuration>
XML
  cat > "$dir/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <RestorePackagesPath>$packages</RestorePackagesPath>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="AllocGen" Version="$version" />
  </ItemGroup>
</Project>
XML
}

echo "== fresh consumer with a valid [PoolAllocator] and [BumpArena]"
good="$work/good"
make_project "$good"
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
output="$(dotnet run --project "$good" -c Release --no-build)"
echo "$output"
grep -q "^round-trip 42 7 owns=True$" <<<"$output" || { echo "FAIL: allocation round-trip line missing"; exit 1; }
grep -q "^stats arenas=1 inuse=0$" <<<"$output" || { echo "FAIL: stats line missing"; exit 1; }
grep -q "^arena sum=300 blocks=1$" <<<"$output" || { echo "FAIL: arena line missing"; exit 1; }

echo "== fresh consumer with an invalid configuration must fail with AG0004"
bad="$work/bad"
make_project "$bad"
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
