using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// Copies the contents of a block that moves to another (a <c>Reallocate</c> that changes class, a large block that
/// leaves the system allocator, a debug-hooked block): with the C library's <c>memcpy</c>, called through a function
/// pointer without the GC transition, where the library is found and the copy is short; with
/// <see cref="Buffer.MemoryCopy(void*, void*, ulong, ulong)"/> otherwise.
/// </summary>
/// <remarks>
/// <para>
/// .NET's copy (<c>SpanHelpers.Memmove</c>, behind <see cref="Buffer.MemoryCopy(void*, void*, ulong, ulong)"/>) is a
/// call too, whose managed loop serves every size up to 2 KiB the same way; the C library's picks its code per size
/// and per processor (wide vector registers, <c>rep movsb</c>) and copies the sizes a growing block passes through in
/// less time (figures in docs/benchmarks.md, "Mixed sizes and the medium tier").
/// </para>
/// <para>
/// A call without the GC transition must be short, because a garbage collection waits for it to return: copies above
/// <see cref="MaxDirectBytes"/> take <see cref="Buffer.MemoryCopy(void*, void*, ulong, ulong)"/>, which calls the C
/// library with the transition for such sizes. The two blocks never overlap (the source is live until the copy is done).
/// </para>
/// </remarks>
internal static unsafe class BlockCopy
{
    /// <summary>
    /// The longest copy made without the GC transition: about a microsecond at memory speed. Above 2 KiB .NET's copy
    /// calls the C library too, with the transition, whose cost is small next to such a copy.
    /// </summary>
    internal const nuint MaxDirectBytes = 16 * 1024;

    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void*, nuint, void*> s_memcpy;

    static BlockCopy()
    {
        if (SystemHeap.TryLoadCLibrary(out nint library) && NativeLibrary.TryGetExport(library, "memcpy", out nint memcpy))
        {
            s_memcpy = (delegate* unmanaged[Cdecl, SuppressGCTransition]<void*, void*, nuint, void*>)memcpy;
        }
    }

    /// <summary>Whether short copies call the C library's <c>memcpy</c> (Linux, macOS).</summary>
    internal static bool CallsCLibraryDirectly => s_memcpy != null;

    /// <summary>Copies <paramref name="bytes"/> bytes from <paramref name="source"/> to <paramref name="destination"/>, which must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(void* source, void* destination, nuint bytes)
    {
        Debug.Assert((byte*)destination + bytes <= source || (byte*)source + bytes <= destination, "The blocks overlap.");
        if (s_memcpy != null && bytes <= MaxDirectBytes)
        {
            s_memcpy(destination, source, bytes);
        }
        else
        {
            Buffer.MemoryCopy(source, destination, bytes, bytes);
        }
    }
}
