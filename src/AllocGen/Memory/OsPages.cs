using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// Size-aligned regions straight from the OS, so that freeing one really returns it, and the give-back of their pages
/// while the address range is kept. Linux and macOS: <c>mmap</c>, <c>munmap</c>, <c>madvise</c>; the pages of a
/// region become resident only when touched. Windows: <c>VirtualAlloc</c> reserve and commit, <c>VirtualFree</c>;
/// committing charges the whole region against the commit limit at once, but its pages too become resident only when
/// touched. Elsewhere <see cref="NativeMemory.AlignedAlloc"/>, cleared on arrival (so every page is touched), and
/// giving pages back does nothing. The memory is zero on arrival.
/// </summary>
/// <remarks>
/// The OS works in whole pages of <see cref="PageSize"/> bytes, read once from the OS: a region spans whole pages
/// (at least one, even for a smaller size), and giving back a range gives back only the pages that lie entirely
/// inside it, so the neighbours of a range that ends inside a page keep their contents.
/// </remarks>
internal static unsafe class OsPages
{
    private enum Api
    {
        Mmap,
        Windows,
        Portable,
    }

    private static readonly Api s_api =
        OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? Api.Mmap : OperatingSystem.IsWindows() ? Api.Windows : Api.Portable;

    private static readonly nuint s_systemPageSize = (nuint)Environment.SystemPageSize;
    private static nuint s_pageSizeOverride;

    /// <summary>The OS page size in bytes, a power of two: the unit of every mapping and give-back.</summary>
    internal static nuint PageSize => s_pageSizeOverride != 0 ? s_pageSizeOverride : s_systemPageSize;

    /// <summary>
    /// Test hook: behave as if the OS page were this many bytes (a power of two, at least the real page; 0 restores
    /// the real one), to run the heap as on a machine with larger pages. Process-wide: a region must be freed under
    /// the page size it was allocated with.
    /// </summary>
    internal static int PageSizeOverride
    {
        get => (int)s_pageSizeOverride;
        set
        {
            if (value != 0 && (!nuint.IsPow2((nuint)value) || (nuint)value < s_systemPageSize))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a power of two of at least the OS page size ({s_systemPageSize}).");
            }

            s_pageSizeOverride = (nuint)value;
        }
    }

    /// <summary>The bytes a region of <paramref name="size"/> (a power of two) spans: at least one whole page.</summary>
    internal static nuint RegionSize(nuint size) => Math.Max(size, PageSize);

    /// <summary>
    /// Allocates <paramref name="size"/> bytes (a power of two) aligned to <paramref name="size"/>, or to the page when
    /// the page is larger; the region then spans the whole page (<see cref="RegionSize"/>).
    /// </summary>
    /// <exception cref="OutOfMemoryException">The OS refused the mapping.</exception>
    public static byte* AllocateAligned(nuint size)
    {
        nuint span = RegionSize(size);
        switch (s_api)
        {
            case Api.Mmap:
                return MapAligned(span);
            case Api.Windows:
                return ReserveAligned(span);
            default:
                byte* p = (byte*)NativeMemory.AlignedAlloc(span, span);
                NativeMemory.Clear(p, span);
                return p;
        }
    }

    /// <summary>Returns a region obtained from <see cref="AllocateAligned"/> (with the same size) to the OS.</summary>
    public static void Free(byte* pointer, nuint size)
    {
        if (pointer == null)
        {
            return;
        }

        switch (s_api)
        {
            case Api.Mmap:
                munmap(pointer, RegionSize(size));
                break;
            case Api.Windows:
                VirtualFree(pointer, 0, MemRelease);
                break;
            default:
                NativeMemory.AlignedFree(pointer);
                break;
        }
    }

    /// <summary>
    /// Gives the pages lying entirely inside a range back to the OS when it needs memory, and keeps the address range:
    /// Linux and macOS <c>MADV_FREE</c> (touching a page again before the kernel took it costs no fault), Windows
    /// <c>MEM_RESET</c> (the OS may drop the pages without writing them to the page file); the contents become
    /// undefined. Elsewhere a no-op. Returns false when the OS refused.
    /// </summary>
    public static bool Decommit(byte* pointer, nuint size) => GiveBack(pointer, size, atOnce: false);

    /// <summary>
    /// Gives the pages lying entirely inside a range back to the OS at once and keeps the address range: on Linux
    /// <c>MADV_DONTNEED</c> (the resident set shrinks now; the next touch faults in a zeroed page), on macOS
    /// <c>MADV_FREE</c>, on Windows <c>MEM_RESET</c> then <c>VirtualUnlock</c> (which takes unlocked pages out of the
    /// working set, as the .NET GC does; the commit charge stays, so the range stays usable); elsewhere a no-op. For
    /// an explicit request such as <c>Trim()</c>, where <see cref="Decommit"/> would leave the pages counted until
    /// the OS needs them. Returns false when the OS refused.
    /// </summary>
    public static bool Release(byte* pointer, nuint size) => GiveBack(pointer, size, atOnce: true);

    /// <summary>
    /// Whether the pages <see cref="Release"/> gives back read zero afterwards: on Linux (<c>MADV_DONTNEED</c> on a
    /// private anonymous mapping drops them, the next touch maps a zero page). Not where the OS may keep the old
    /// contents (<c>MADV_FREE</c>, <c>MEM_RESET</c>) nor where nothing is given back.
    /// </summary>
    internal static bool ReleaseZeroes { get; } = OperatingSystem.IsLinux();

    /// <summary>The whole pages of a range: a page that lies partly outside it may hold someone else's live data.</summary>
    private static bool GiveBack(byte* pointer, nuint size, bool atOnce)
    {
        nuint page = PageSize;
        nuint start = ((nuint)pointer + page - 1) & ~(page - 1);
        nuint end = ((nuint)pointer + size) & ~(page - 1);
        if (end <= start)
        {
            return true;
        }

        var first = (byte*)start;
        nuint length = end - start;
        switch (s_api)
        {
            case Api.Mmap:
                // macOS has only MADV_FREE (5) for both; Linux MADV_DONTNEED (4) drops the pages now, MADV_FREE (8) lazily.
                return madvise(first, length, OperatingSystem.IsMacOS() ? 5 : atOnce ? 4 : 8) == 0;
            case Api.Windows:
                if (VirtualAlloc(first, length, MemReset, PageReadWrite) == null)
                {
                    return false;
                }

                // Fails with ERROR_NOT_LOCKED for pages never locked, and takes them out of the working set all the same.
                if (atOnce)
                {
                    VirtualUnlock(first, length);
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>Whether <see cref="MapBlock"/> and <see cref="RemapBlock"/> work here (Linux: <c>mmap</c>, <c>mremap</c>).</summary>
    internal static bool CanMapBlocks { get; } = OperatingSystem.IsLinux();

    /// <summary>
    /// A fresh private mapping of <paramref name="size"/> bytes (rounded up to whole pages by the OS), page-aligned and
    /// zero, none of whose pages is touched. Only where <see cref="CanMapBlocks"/>.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The OS refused the mapping.</exception>
    public static void* MapBlock(nuint size)
    {
        void* p = mmap(null, size, ProtReadWrite, MapPrivate | s_mapAnonymous, -1, 0);
        if (p == (void*)-1 || p == null)
        {
            throw new OutOfMemoryException($"mmap of {size} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return p;
    }

    /// <summary>
    /// Resizes a mapping from <see cref="MapBlock"/>, moving it if it must (<c>mremap</c>, which moves page tables,
    /// not bytes); grown pages are zero and untouched. On failure the old mapping is unchanged.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The OS refused.</exception>
    public static void* RemapBlock(void* pointer, nuint oldSize, nuint newSize)
    {
        void* p = mremap(pointer, oldSize, newSize, MremapMayMove);
        if (p == (void*)-1)
        {
            throw new OutOfMemoryException($"mremap to {newSize} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return p;
    }

    /// <summary>Unmaps a mapping from <see cref="MapBlock"/> or <see cref="RemapBlock"/>.</summary>
    public static void UnmapBlock(void* pointer, nuint size) => munmap(pointer, size);

    /// <summary>Maps twice the size, then unmaps the misaligned head and the tail: exactly one aligned region remains.</summary>
    private static byte* MapAligned(nuint size)
    {
        nuint span = size * 2;
        byte* raw = (byte*)mmap(null, span, ProtReadWrite, MapPrivate | s_mapAnonymous, -1, 0);
        if (raw == (byte*)-1 || raw == null)
        {
            throw new OutOfMemoryException($"mmap of {span} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        nuint head = (size - ((nuint)raw & (size - 1))) & (size - 1);
        byte* aligned = raw + head;
        if (head != 0)
        {
            munmap(raw, head);
        }

        nuint tail = span - head - size;
        if (tail != 0)
        {
            munmap(aligned + size, tail);
        }

        return aligned;
    }

    /// <summary>
    /// Reserves and commits an aligned region. Reservations start at a multiple of the allocation granularity
    /// (64 KiB), so a region up to that size is aligned at once; a larger one is found in an over-sized reservation,
    /// which is freed and the aligned part reserved again at its address; another thread may take the address in
    /// between, hence the retries.
    /// </summary>
    private static byte* ReserveAligned(nuint size)
    {
        byte* p = VirtualAlloc(null, size, MemReserve | MemCommit, PageReadWrite);
        if (p == null)
        {
            ThrowWindowsOutOfMemory(size);
        }

        if (((nuint)p & (size - 1)) == 0)
        {
            return p;
        }

        VirtualFree(p, 0, MemRelease);
        for (int attempt = 0; attempt < 16; attempt++)
        {
            byte* raw = VirtualAlloc(null, size * 2, MemReserve, PageNoAccess);
            if (raw == null)
            {
                ThrowWindowsOutOfMemory(size * 2);
            }

            var aligned = (byte*)(((nuint)raw + size - 1) & ~(size - 1));
            VirtualFree(raw, 0, MemRelease);
            p = VirtualAlloc(aligned, size, MemReserve | MemCommit, PageReadWrite);
            if (p == aligned)
            {
                return p;
            }

            if (p != null)
            {
                VirtualFree(p, 0, MemRelease);
            }
        }

        throw new OutOfMemoryException($"VirtualAlloc found no {size}-byte range aligned to its size.");
    }

    [DoesNotReturn]
    private static void ThrowWindowsOutOfMemory(nuint size) =>
        throw new OutOfMemoryException($"VirtualAlloc of {size} bytes failed (error {Marshal.GetLastPInvokeError()}).");

    private static readonly int s_mapAnonymous = OperatingSystem.IsMacOS() ? 0x1000 : 0x20;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivate = 0x02;

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(void* address, nuint length, int advice);

    [DllImport("libc", SetLastError = true)]
    private static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(void* address, nuint length);

    private const int MremapMayMove = 1;

    [DllImport("libc", SetLastError = true)]
    private static extern void* mremap(void* address, nuint oldLength, nuint newLength, int flags);

    private const uint MemCommit = 0x1000;
    private const uint MemReserve = 0x2000;
    private const uint MemReset = 0x80000;
    private const uint MemRelease = 0x8000;
    private const uint PageNoAccess = 0x01;
    private const uint PageReadWrite = 0x04;

    [DllImport("kernel32", SetLastError = true)]
    private static extern byte* VirtualAlloc(void* address, nuint size, uint allocationType, uint protection);

    [DllImport("kernel32", SetLastError = true)]
    private static extern int VirtualFree(void* address, nuint size, uint freeType);

    [DllImport("kernel32", SetLastError = true)]
    private static extern int VirtualUnlock(void* address, nuint size);
}
