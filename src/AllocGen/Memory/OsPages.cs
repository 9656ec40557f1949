using System.Runtime.InteropServices;

namespace AllocGen.Memory;

/// <summary>
/// Size-aligned regions straight from the OS, so that freeing one really returns it (on Linux and macOS
/// <c>mmap</c>/<c>munmap</c>; elsewhere <see cref="NativeMemory.AlignedAlloc"/>). The memory is zero on arrival and
/// its pages become resident only when touched.
/// </summary>
internal static unsafe class OsPages
{
    private static readonly bool s_useMmap = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();
    private static readonly int s_mapAnonymous = OperatingSystem.IsMacOS() ? 0x1000 : 0x20;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivate = 0x02;

    /// <summary>Allocates <paramref name="size"/> bytes aligned to <paramref name="size"/> (a power of two ≥ 4 KiB).</summary>
    /// <exception cref="OutOfMemoryException">The OS refused the mapping.</exception>
    public static byte* AllocateAligned(nuint size)
    {
        if (!s_useMmap)
        {
            byte* p = (byte*)NativeMemory.AlignedAlloc(size, size);
            NativeMemory.Clear(p, size);
            return p;
        }

        // Map twice the size, then unmap the misaligned head and the tail: exactly one aligned region remains.
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

    /// <summary>Returns a region obtained from <see cref="AllocateAligned"/> to the OS.</summary>
    public static void Free(byte* pointer, nuint size)
    {
        if (pointer == null)
        {
            return;
        }

        if (s_useMmap)
        {
            munmap(pointer, size);
        }
        else
        {
            NativeMemory.AlignedFree(pointer);
        }
    }

    /// <summary>
    /// Gives a region's pages back to the OS but keeps its address range: the kernel reclaims the pages when it needs
    /// memory (Linux and macOS <c>MADV_FREE</c>), and touching them again before that costs no page fault. Elsewhere
    /// a no-op. Returns false when the OS refused.
    /// </summary>
    public static bool Decommit(byte* pointer, nuint size) => Advise(pointer, size, linuxAdvice: 8);

    /// <summary>
    /// Gives a region's pages back to the OS at once but keeps its address range: on Linux <c>MADV_DONTNEED</c> (the
    /// resident set shrinks now; the next touch faults in a zeroed page), on macOS <c>MADV_FREE</c>, elsewhere a
    /// no-op. For an explicit request such as <c>Trim()</c>, where <see cref="Decommit"/> would leave the pages
    /// counted until the kernel needs them. Returns false when the OS refused.
    /// </summary>
    public static bool Release(byte* pointer, nuint size) => Advise(pointer, size, linuxAdvice: 4);

    /// <summary>madvise with the Linux advice (macOS has only MADV_FREE, 5, for both); true where there is no mmap.</summary>
    private static bool Advise(byte* pointer, nuint size, int linuxAdvice) =>
        !s_useMmap || madvise(pointer, size, OperatingSystem.IsMacOS() ? 5 : linuxAdvice) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(void* address, nuint length, int advice);

    [DllImport("libc", SetLastError = true)]
    private static extern void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(void* address, nuint length);
}
