using AllocGen.Pools;

namespace AllocGen.Tests.Threading;

/// <summary>
/// Hand-written geometries for the tests that drive the runtime heaps directly: 64 KiB arenas of 4 KiB pools (15 serve
/// blocks), so arenas come and go quickly; classes of every multiple of 16 up to the threshold.
/// </summary>
internal struct SmallArenaGeometry64 : IPoolGeometry
{
    public static int ArenaShift => 16;

    public static int PoolShift => 12;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 64;

    public static int ClassCount => 4;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;
}

/// <inheritdoc cref="SmallArenaGeometry64"/>
internal struct SmallArenaGeometry256 : IPoolGeometry
{
    public static int ArenaShift => 16;

    public static int PoolShift => 12;

    public static int Alignment => 16;

    public static int SmallRequestThreshold => 256;

    public static int ClassCount => 16;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * 16;

    public static int ClassOf(nuint size) => size == 0 ? 0 : (int)((size + 15) >> 4) - 1;
}
