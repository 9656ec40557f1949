using System.Numerics;
using System.Runtime.CompilerServices;

namespace AllocGen;

/// <summary>Layout facts of unmanaged types, as constants the JIT folds into each instantiation.</summary>
public static class TypeLayout
{
    /// <summary>
    /// The natural alignment of <typeparamref name="T"/>: its alignment as a field of a struct (1, 2, 4 or 8 for the
    /// primitive types and structs of them, 16 for <see cref="Int128"/> and <c>Vector128</c>, and so on).
    /// </summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <remarks>
    /// The probe (a byte, then a <typeparamref name="T"/>) is <c>A + S</c> bytes rounded up to <c>A</c>, for a
    /// <typeparamref name="T"/> of size <c>S</c> and alignment <c>A</c>. Its size less <c>S</c> is <c>A</c> when
    /// <c>S</c> is a multiple of <c>A</c>, and less than <c>2A</c> otherwise (a struct with an explicit <c>Size</c> need
    /// not be a multiple of its alignment): so <c>A</c> is the largest power of two not above the difference.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint AlignmentOf<T>()
        where T : unmanaged => (nuint)1 << BitOperations.Log2((uint)(Unsafe.SizeOf<AlignmentProbe<T>>() - Unsafe.SizeOf<T>()));

#pragma warning disable CS0169, CS0649 // The probe's fields exist only for their layout.
    /// <summary>A byte, then a <typeparamref name="T"/> at the first offset its alignment allows.</summary>
    private struct AlignmentProbe<T>
        where T : unmanaged
    {
        private byte _padding;
        private T _value;
    }
#pragma warning restore CS0169, CS0649
}
