using System.ComponentModel;

namespace AllocGen.Pools;

/// <summary>Which size class can serve an over-aligned request. For generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AlignedClasses
{
    /// <summary>
    /// The smallest class whose blocks hold <paramref name="size"/> bytes and are a multiple of
    /// <paramref name="alignment"/> (blocks lie at multiples of their size from a pool-aligned base, so such blocks are
    /// aligned); -1 when none is, and the request goes to the system allocator.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public static int Find(ReadOnlySpan<int> sizeClasses, nuint size, nuint alignment)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(alignment);

        for (int i = 0; i < sizeClasses.Length; i++)
        {
            if ((nuint)sizeClasses[i] >= size && (nuint)sizeClasses[i] % alignment == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
