using AllocGen;

namespace AllocGen.SafeOnly.Tests;

// The declarations of a project without unsafe code: each gets its safe members only (AG0037, an info).

[PoolAllocator]
public sealed partial class SingleHeap
{
}

[PoolAllocator(Threading = ThreadPolicy.Locked, PoolSize = 4096, Alignment = 8)]
public sealed partial class LockedHeap
{
}

[PoolAllocator(Threading = ThreadPolicy.PerThread)]
[SizeClasses(16, 32, 64, 128, 256, 512)]
public sealed partial class PerThreadHeap
{
}

[BumpArena(BlockSize = 16384)]
public sealed partial class ScratchArena
{
}
