namespace AllocGen.Stats;

/// <summary>Statistics of one size class, like a row of CPython's <c>sys._debugmallocstats()</c>.</summary>
/// <param name="Index">Class index.</param>
/// <param name="BlockSize">Block size in bytes.</param>
/// <param name="Pools">Pools serving the class that hold at least one live block.</param>
/// <param name="BlocksInUse">Live blocks.</param>
/// <param name="FreeBlocks">Blocks available in those pools (recycled or never used).</param>
public readonly record struct SizeClassStats(int Index, int BlockSize, long Pools, long BlocksInUse, long FreeBlocks);
