using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Memory;

namespace AllocGen.Arenas;

/// <summary>
/// For generated code only: the shared runtime of a generated <see cref="BumpArenaAttribute">[BumpArena]</see>
/// class, a PyArena-style bump allocator over native blocks. Use the generated class instead; this struct is
/// mutable, and a copy of it that outlives <see cref="Dispose"/> or <see cref="Reset"/> would use freed memory.
/// The generated class holds one instance in a (non-readonly) field and forwards to it, passing its
/// <c>Alignment</c> and <c>BlockSize</c> constants as literals so that the JIT folds them into the inlined fast path.
/// </summary>
/// <remarks>
/// <para>
/// <b>Geometry.</b> Every call must pass the same <c>alignment</c> and <c>blockSize</c> as the constructor (checked
/// on the slow path; a mismatch throws <see cref="ArgumentException"/>). The alignment is a power of two in
/// 1..<see cref="MaxAlignment"/>, the block size a power of two in <see cref="MinBlockSize"/>..<see cref="MaxBlockSize"/>,
/// not smaller than the alignment.
/// </para>
/// <para>
/// <b>Blocks.</b> Memory comes in blocks of <c>blockSize</c> bytes from the process-wide <see cref="BlockCache"/>
/// (which keeps released blocks for the next arena, up to a bound, and otherwise uses <see cref="NativeMemory.AlignedAlloc"/>),
/// aligned to max(<c>alignment</c>, <see cref="MinBlockAlignment"/>). The whole block is usable: the list of blocks
/// lives in a separate native array, not in block headers. Allocation bumps a cursor through the current block. A
/// request that does not fit in the rest of the current block starts a new block (the rest of the old one is
/// abandoned until <see cref="Reset"/>), unless it does not fit in a fresh block either: then it gets a block of its
/// own, exactly its size rounded up to the alignment, and the current block stays current.
/// </para>
/// <para>
/// <b>Sizes.</b> Every request is rounded up to a multiple of the alignment, so the cursor is always aligned and the
/// fast path is one comparison. A zero-byte request returns an aligned pointer that must not be dereferenced; it may
/// equal the next allocation's address or the end of a block. Memory is not zeroed.
/// </para>
/// <para>
/// <b>Lifetime.</b> <see cref="Reset"/> releases the owned objects and every block but the first normal one, which
/// becomes current again. <see cref="Dispose"/> releases everything; afterwards every member but the properties and
/// <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>. The disposed state costs nothing on the fast
/// path: it leaves no room in the current block, so the slow path runs and throws. Both advance the arena's
/// generation, which invalidates every <see cref="ArenaSpan{T}"/> from <see cref="RentSpan{T}"/>, and with
/// <see cref="ArenaDebug.PoisonReleasedMemory"/> on they fill the released normal blocks with 0xDD first.
/// </para>
/// <para>
/// <b>Undisposed arenas.</b> The blocks belong to a finalizable <see cref="NativeMemoryOwner"/>, created with the
/// first block, so an arena that is never disposed returns its blocks some time after it becomes unreachable (see
/// there for when). The finalizer frees native memory only: objects registered with <see cref="Own"/> are not
/// disposed by it.
/// </para>
/// <para>
/// <b>Use.</b> Not thread-safe. Mutable: hold it in a field and never copy it (a copy shares the blocks, which are
/// freed once, but keeps its own cursor into them). <c>default(BumpArenaCore)</c> is not usable (allocating throws
/// <see cref="InvalidOperationException"/>); use the constructor. Allocating never allocates managed memory, except
/// the block owner with the first block.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public unsafe struct BumpArenaCore
{
    /// <summary>Smallest valid block size: 256 bytes.</summary>
    internal const int MinBlockSize = 256;

    /// <summary>Largest valid block size: 64 MiB.</summary>
    internal const int MaxBlockSize = 64 << 20;

    /// <summary>Largest valid arena alignment: 4096 bytes.</summary>
    internal const int MaxAlignment = 4096;

    /// <summary>Default block size of <see cref="BumpArenaAttribute"/>: 8192 bytes.</summary>
    internal const int DefaultBlockSize = 8192;

    /// <summary>Default alignment of <see cref="BumpArenaAttribute"/>: 8 bytes.</summary>
    internal const int DefaultAlignment = 8;

    /// <summary>Blocks are aligned to at least this many bytes (and to the arena alignment when larger).</summary>
    internal const int MinBlockAlignment = 16;

    // Hot: the fast path reads both and writes the cursor. The cursor is aligned to _alignment and
    // _limit - _cursor is a multiple of it. Both are null before the first block and after Dispose.
    private byte* _cursor;
    private byte* _limit;

    // Start of the current bump block. BytesAllocated = _accounted + (_cursor - _currentStart), in modular
    // arithmetic (_accounted absorbs the bytes of retired and dedicated blocks, minus over-alignment padding).
    private byte* _currentStart;
    private nuint _accounted;
    private nuint _reserved;

    // Every block; null until the first one is taken, and after Dispose.
    private BlockOwner? _blocks;

    private nuint _alignment;
    private nuint _blockSize;
    private bool _disposed;
    private string? _ownerName;
    private List<IDisposable>? _owned;

    // Advanced by Reset and Dispose; created with the first RentSpan, so arenas that never rent cost no object.
    private ArenaGeneration? _generation;

    /// <summary>Creates an empty arena. No memory is taken until the first allocation.</summary>
    /// <param name="alignment">
    /// Alignment of every allocation: a power of two in 1..<see cref="MaxAlignment"/>, at most
    /// <paramref name="blockSize"/>.
    /// </param>
    /// <param name="blockSize">Bytes per block: a power of two in <see cref="MinBlockSize"/>..<see cref="MaxBlockSize"/>.</param>
    /// <param name="ownerName">Name shown by <see cref="ObjectDisposedException"/> (typically the generated class's name).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public BumpArenaCore(nuint alignment, nuint blockSize, string? ownerName)
    {
        if (blockSize < MinBlockSize || blockSize > MaxBlockSize || !BitOperations.IsPow2(blockSize))
        {
            throw new ArgumentOutOfRangeException(
                nameof(blockSize), blockSize, $"The block size must be a power of two from {MinBlockSize} to {MaxBlockSize}.");
        }

        if (alignment == 0 || alignment > MaxAlignment || alignment > blockSize || !BitOperations.IsPow2(alignment))
        {
            throw new ArgumentOutOfRangeException(
                nameof(alignment), alignment,
                $"The alignment must be a power of two from 1 to {MaxAlignment}, not larger than the block size.");
        }

        _alignment = alignment;
        _blockSize = blockSize;
        _ownerName = ownerName;
    }

    /// <summary>
    /// Bytes handed out since construction or the last <see cref="Reset"/>: the sum of the requested sizes, each
    /// rounded up to the arena alignment. Padding inserted for a larger per-call alignment, and the abandoned tails of
    /// blocks, are not counted. 0 after <see cref="Dispose"/>.
    /// </summary>
    public readonly nuint BytesAllocated => unchecked(_accounted + (nuint)(_cursor - _currentStart));

    /// <summary>Sum of the sizes of the native blocks currently held (bookkeeping excluded). 0 after <see cref="Dispose"/>.</summary>
    public readonly nuint BytesReserved => _reserved;

    /// <summary>Native blocks currently held, normal and dedicated. 0 after <see cref="Dispose"/>.</summary>
    public readonly int BlockCount => _blocks?.Count ?? 0;

    /// <summary>Objects registered with <see cref="Own"/> and not yet released.</summary>
    internal readonly int OwnedCount => _owned?.Count ?? 0;

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal readonly bool IsDisposed => _disposed;

    /// <summary>
    /// The natural alignment of <typeparamref name="T"/> (its alignment as a field of a struct). A constant for the
    /// JIT; the same as <see cref="TypeLayout.AlignmentOf{T}"/>.
    /// </summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint AlignmentOf<T>()
        where T : unmanaged => TypeLayout.AlignmentOf<T>();

    /// <summary>
    /// Allocates <paramref name="size"/> bytes aligned to <paramref name="alignment"/>. The fast path is a bump of
    /// the cursor after one comparison; everything else is out of line.
    /// </summary>
    /// <param name="size">Bytes requested; rounded up to <paramref name="alignment"/>.</param>
    /// <param name="alignment">The arena alignment given to the constructor (pass the constant).</param>
    /// <param name="blockSize">The block size given to the constructor (pass the constant).</param>
    /// <returns>Uninitialized memory, valid until <see cref="Reset"/> or <see cref="Dispose"/>.</returns>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained, or <paramref name="size"/> is too large.</exception>
    /// <exception cref="ArgumentException">The geometry differs from the constructor's.</exception>
    /// <exception cref="InvalidOperationException">The core was not created with its constructor.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size, nuint alignment, nuint blockSize)
    {
        byte* p = _cursor;

        // Strict: the exact fit, the empty arena and the disposed arena (remaining 0) go to the slow path.
        // size < remaining, and remaining is a multiple of alignment, so the rounded size still fits and
        // size + alignment - 1 cannot overflow.
        if (size < (nuint)(_limit - p))
        {
            _cursor = p + ((size + alignment - 1) & ~(alignment - 1));
            return p;
        }

        return AllocateSlow(size, alignment, alignment, blockSize);
    }

    /// <summary>
    /// Allocates <paramref name="size"/> bytes aligned to the larger of <paramref name="requiredAlignment"/> and
    /// <paramref name="alignment"/>. When <paramref name="requiredAlignment"/> is a constant not above the arena
    /// alignment this is exactly <see cref="Allocate(nuint, nuint, nuint)"/>; a larger one pads the cursor inline
    /// (two comparisons) and otherwise takes the out-of-line path (a fresh block, or a dedicated one).
    /// </summary>
    /// <param name="size">Bytes requested; rounded up to <paramref name="alignment"/>.</param>
    /// <param name="requiredAlignment">A power of two.</param>
    /// <param name="alignment">The arena alignment given to the constructor (pass the constant).</param>
    /// <param name="blockSize">The block size given to the constructor (pass the constant).</param>
    /// <returns>Uninitialized memory, valid until <see cref="Reset"/> or <see cref="Dispose"/>.</returns>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained, or <paramref name="size"/> is too large.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="requiredAlignment"/> is not a power of two, or the geometry differs from the constructor's.
    /// </exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void* AllocateAligned(nuint size, nuint requiredAlignment, nuint alignment, nuint blockSize)
    {
        if (requiredAlignment <= alignment)
        {
            return Allocate(size, alignment, blockSize);
        }

        // Over-aligned: pad the cursor (the padding is a multiple of the arena alignment, so the rounded size
        // still fits whenever size < remaining - pad). Two comparisons; the check of the power of two folds away
        // for a constant.
        byte* p = _cursor;
        nuint remaining = (nuint)(_limit - p);
        nuint pad = (nuint)(-(nint)p) & (requiredAlignment - 1);
        if (BitOperations.IsPow2(requiredAlignment) && pad < remaining && size < remaining - pad)
        {
            p += pad;
            _cursor = p + ((size + alignment - 1) & ~(alignment - 1));
            _accounted = unchecked(_accounted - pad);
            return p;
        }

        return AllocateSlow(size, requiredAlignment, alignment, blockSize);
    }

    /// <summary>
    /// Allocates one uninitialized <typeparamref name="T"/>, aligned to the larger of the arena alignment and
    /// <see cref="AlignmentOf{T}"/>. Both are constants for the JIT, so only one path is compiled.
    /// </summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="alignment">The arena alignment given to the constructor (pass the constant).</param>
    /// <param name="blockSize">The block size given to the constructor (pass the constant).</param>
    /// <returns>Uninitialized memory, valid until <see cref="Reset"/> or <see cref="Dispose"/>.</returns>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T* Allocate<T>(nuint alignment, nuint blockSize)
        where T : unmanaged => (T*)AllocateAligned((nuint)sizeof(T), AlignmentOf<T>(), alignment, blockSize);

    /// <summary>
    /// Allocates <paramref name="count"/> uninitialized <typeparamref name="T"/>s, aligned to the larger of the arena
    /// alignment and <see cref="AlignmentOf{T}"/>. The byte length, <paramref name="count"/> × sizeof(T), must fit
    /// in an <see cref="int"/> (as for <see cref="MemoryMarshal.AsBytes{T}(Span{T})"/>); use
    /// <see cref="Allocate(nuint, nuint, nuint)"/> for larger buffers.
    /// </summary>
    /// <typeparam name="T">An unmanaged type.</typeparam>
    /// <param name="count">Elements; 0 gives an empty span and allocates nothing.</param>
    /// <param name="alignment">The arena alignment given to the constructor (pass the constant).</param>
    /// <param name="blockSize">The block size given to the constructor (pass the constant).</param>
    /// <returns>Uninitialized memory, valid until <see cref="Reset"/> or <see cref="Dispose"/>.</returns>
    /// <exception cref="ObjectDisposedException">The arena was disposed (also for a zero count).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="OverflowException"><paramref name="count"/> × sizeof(T) exceeds <see cref="int.MaxValue"/>.</exception>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> AllocateSpan<T>(int count, nuint alignment, nuint blockSize)
        where T : unmanaged
    {
        // One comparison for every valid count: 0, negative and too large counts all land outside 0..max-1.
        if ((uint)count - 1 >= (uint)(int.MaxValue / sizeof(T)))
        {
            return EmptySpanOrThrow<T>(count);
        }

        return new Span<T>(AllocateAligned((nuint)count * (nuint)sizeof(T), AlignmentOf<T>(), alignment, blockSize), count);
    }

    /// <summary>
    /// Allocates <paramref name="length"/> elements of <typeparamref name="T"/>, aligned for it, as an
    /// <see cref="ArenaSpan{T}"/>: its span throws <see cref="ObjectDisposedException"/> once <see cref="Reset"/> or
    /// <see cref="Dispose"/> has released the memory.
    /// </summary>
    /// <param name="length">Elements requested.</param>
    /// <param name="clear">Whether to zero them (otherwise uninitialized).</param>
    /// <param name="alignment">The arena alignment given to the constructor (pass the constant).</param>
    /// <param name="blockSize">The block size given to the constructor (pass the constant).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="length"/> is negative, or <paramref name="length"/> × sizeof(T) exceeds <see cref="int.MaxValue"/>.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    /// <exception cref="OutOfMemoryException">The memory could not be obtained.</exception>
    public ArenaSpan<T> RentSpan<T>(int length, bool clear, nuint alignment, nuint blockSize)
        where T : unmanaged
    {
        if (_disposed)
        {
            ArenaThrowHelper.ObjectDisposed(_ownerName);
        }

        if ((uint)length > (uint)(int.MaxValue / sizeof(T)))
        {
            ArenaThrowHelper.BadRentLength(length, sizeof(T));
        }

        void* start = length == 0 ? null : AllocateAligned((nuint)length * (nuint)sizeof(T), AlignmentOf<T>(), alignment, blockSize);
        if (clear && length != 0)
        {
            NativeMemory.Clear(start, (nuint)length * (nuint)sizeof(T));
        }

        return new ArenaSpan<T>(_generation ??= new ArenaGeneration(), start, length);
    }

    /// <summary>
    /// Registers a managed object to dispose with the arena: owned objects are disposed, newest first and exactly
    /// once, by the next <see cref="Reset"/> or by <see cref="Dispose"/>, whichever comes first.
    /// </summary>
    /// <param name="owned">The object; the same object registered twice is disposed twice.</param>
    /// <exception cref="ArgumentNullException"><paramref name="owned"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    public void Own(IDisposable owned)
    {
        if (_disposed)
        {
            ArenaThrowHelper.ObjectDisposed(_ownerName);
        }

        ArgumentNullException.ThrowIfNull(owned);
        (_owned ??= new List<IDisposable>()).Add(owned);
    }

    /// <summary>
    /// Releases every allocation at once: disposes the owned objects (newest first), frees every block except the
    /// first normal one, and makes that block current again. <see cref="BytesAllocated"/> becomes 0.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The arena was disposed.</exception>
    /// <exception cref="AggregateException">
    /// One or more owned objects threw from <c>Dispose</c>; all of them were disposed anyway and the arena was
    /// rewound.
    /// </exception>
    public void Reset()
    {
        if (_disposed)
        {
            ArenaThrowHelper.ObjectDisposed(_ownerName);
        }

        try
        {
            ReleaseOwned();
        }
        finally
        {
            // An owned object may have disposed the arena from its Dispose.
            if (!_disposed)
            {
                Rewind();
            }
        }
    }

    /// <summary>
    /// Disposes the owned objects (newest first), then frees every block. Idempotent. Memory stays readable while the
    /// owned objects are disposed.
    /// </summary>
    /// <exception cref="AggregateException">
    /// One or more owned objects threw from <c>Dispose</c>; all of them were disposed anyway and all memory freed.
    /// </exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _accounted = BytesAllocated;
        _cursor = null;
        _limit = null;
        _currentStart = null;

        try
        {
            ReleaseOwned();
        }
        finally
        {
            AdvanceGeneration();
            BlockOwner? blocks = _blocks;
            _blocks = null;
            if (blocks is not null && ArenaDebug.PoisonReleasedMemory)
            {
                blocks.Poison();
            }

            blocks?.ReleaseNow();
            _accounted = 0;
            _reserved = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocateSlow(nuint size, nuint requiredAlignment, nuint alignment, nuint blockSize)
    {
        if (_disposed)
        {
            ArenaThrowHelper.ObjectDisposed(_ownerName);
        }

        if (alignment != _alignment || blockSize != _blockSize)
        {
            ArenaThrowHelper.GeometryMismatch(_alignment, _blockSize, alignment, blockSize);
        }

        if (!BitOperations.IsPow2(requiredAlignment))
        {
            ArenaThrowHelper.AlignmentNotPowerOfTwo(requiredAlignment);
        }

        nuint align = requiredAlignment > alignment ? requiredAlignment : alignment;
        if (size > nuint.MaxValue - (alignment - 1))
        {
            ArenaThrowHelper.TooLarge(size);
        }

        nuint rounded = (size + alignment - 1) & ~(alignment - 1);
        byte* p;

        // The rest of the current block: an exact fit, or an over-aligned request that needs padding.
        if (_cursor != null)
        {
            nuint pad = (nuint)(-(nint)_cursor) & (align - 1);
            nuint remaining = (nuint)(_limit - _cursor);
            if (pad <= remaining && rounded <= remaining - pad)
            {
                p = _cursor + pad;
                _cursor = p + rounded;
                _accounted = unchecked(_accounted - pad);
                return p;
            }
        }

        // A fresh normal block, when the request fits in one even with the worst-case padding.
        nuint blockAlignment = BlockAlignment(alignment);
        nuint worstPad = align > blockAlignment ? align - blockAlignment : 0;
        if (worstPad < blockSize && rounded <= blockSize - worstPad)
        {
            byte* block = StartNormalBlock(blockSize, blockAlignment);
            nuint pad = (nuint)(-(nint)block) & (align - 1);
            p = block + pad;
            _cursor = p + rounded;
            _accounted = unchecked(_accounted - pad);
            return p;
        }

        // A block of its own; the current block stays current.
        BlockOwner blocks = Blocks();
        blocks.Others.EnsureSpaceForOne();
        p = (byte*)NativeMemory.AlignedAlloc(rounded, align > MinBlockAlignment ? align : MinBlockAlignment);
        blocks.Others.AddOversized(p);
        _reserved += rounded;
        _accounted = unchecked(_accounted + rounded);
        return p;
    }

    private byte* StartNormalBlock(nuint blockSize, nuint blockAlignment)
    {
        BlockOwner blocks = Blocks();
        byte* block;
        if (blocks.First == null)
        {
            block = BlockCache.Rent(blockSize, blockAlignment);
            blocks.First = block;
        }
        else
        {
            blocks.Others.EnsureSpaceForOne();
            block = BlockCache.Rent(blockSize, blockAlignment);
            blocks.Others.Add(block);
        }

        _reserved += blockSize;
        _accounted = unchecked(_accounted + (nuint)(_cursor - _currentStart));
        _currentStart = block;
        _cursor = block;
        _limit = block + blockSize;
        return block;
    }

    /// <summary>The block owner, created with the first block (so an arena that never allocates costs no finalizable object).</summary>
    private BlockOwner Blocks() => _blocks ??= new BlockOwner(_blockSize, BlockAlignment(_alignment));

    private void Rewind()
    {
        AdvanceGeneration();
        byte* first = null;
        if (_blocks is { } blocks)
        {
            if (ArenaDebug.PoisonReleasedMemory)
            {
                blocks.Poison();
            }

            blocks.FreeOthers();
            first = blocks.First;
        }

        _accounted = 0;
        _currentStart = first;
        _cursor = first;
        if (first != null)
        {
            _limit = first + _blockSize;
            _reserved = _blockSize;
        }
        else
        {
            _limit = null;
            _reserved = 0;
        }
    }

    private void AdvanceGeneration()
    {
        if (_generation is { } generation)
        {
            generation.Value++;
        }
    }

    private void ReleaseOwned()
    {
        List<IDisposable>? owned = _owned;
        if (owned is null)
        {
            return;
        }

        List<Exception>? errors = null;

        // Remove before disposing: each object is released once even if its Dispose re-enters the arena.
        while (owned.Count > 0)
        {
            int last = owned.Count - 1;
            IDisposable item = owned[last];
            owned.RemoveAt(last);
            try
            {
                item.Dispose();
            }
            catch (Exception e)
            {
                (errors ??= new List<Exception>()).Add(e);
            }
        }

        if (errors is not null)
        {
            throw new AggregateException(
                $"{errors.Count} object(s) owned by {_ownerName ?? "the arena"} threw when disposed.", errors);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly Span<T> EmptySpanOrThrow<T>(int count)
        where T : unmanaged
    {
        if (_disposed)
        {
            ArenaThrowHelper.ObjectDisposed(_ownerName);
        }

        if (count < 0)
        {
            ArenaThrowHelper.NegativeCount(count);
        }

        if (count > 0)
        {
            ArenaThrowHelper.SpanTooLarge(count, sizeof(T));
        }

        return default;
    }

    private static nuint BlockAlignment(nuint alignment) => alignment > MinBlockAlignment ? alignment : MinBlockAlignment;

    /// <summary>
    /// The arena's blocks: the first normal one (kept by Reset) and all the others, normal and dedicated. Freed by
    /// Dispose, or by the finalizer when the arena is never disposed.
    /// </summary>
    private sealed class BlockOwner(nuint blockSize, nuint blockAlignment) : NativeMemoryOwner
    {
        public byte* First;
        public ArenaBlockList Others;

        public int Count => (First != null ? 1 : 0) + Others.Count;

        /// <summary>Fills every normal-sized block with the freed pattern (<see cref="ArenaDebug.PoisonReleasedMemory"/>).</summary>
        public void Poison()
        {
            if (First != null)
            {
                NativeMemory.Fill(First, blockSize, ArenaDebug.FreedByte);
            }

            Others.PoisonBlocks(blockSize, ArenaDebug.FreedByte);
        }

        /// <summary>Releases every block but the first (Reset).</summary>
        public void FreeOthers() => Others.FreeBlocks(blockSize, blockAlignment);

        protected override void Release()
        {
            Others.Dispose(blockSize, blockAlignment);
            if (First != null)
            {
                BlockCache.Return(First, blockSize, blockAlignment);
                First = null;
            }
        }
    }
}

/// <summary>Cold throw sites of the arenas, kept out of line so the fast paths stay small.</summary>
internal static class ArenaThrowHelper
{
    [DoesNotReturn]
    public static void ObjectDisposed(string? owner) =>
        throw new ObjectDisposedException(owner ?? nameof(BumpArenaCore), "The arena has been disposed.");

    [DoesNotReturn]
    public static void GeometryMismatch(nuint alignment, nuint blockSize, nuint passedAlignment, nuint passedBlockSize)
    {
        if (blockSize == 0)
        {
            throw new InvalidOperationException("The arena was not created with its constructor.");
        }

        throw new ArgumentException(
            $"The arena was created with alignment {alignment} and block size {blockSize}, " +
            $"but called with alignment {passedAlignment} and block size {passedBlockSize}.");
    }

    [DoesNotReturn]
    public static void AlignmentNotPowerOfTwo(nuint alignment) =>
        throw new ArgumentException($"The alignment {alignment} is not a power of two.", "requiredAlignment");

    [DoesNotReturn]
    public static void TooLarge(nuint size) =>
        throw new OutOfMemoryException($"An arena cannot allocate {size} bytes.");

    [DoesNotReturn]
    public static void NegativeCount(int count) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, "The count must not be negative.");

    [DoesNotReturn]
    public static void BadRentLength(int length, int elementSize) =>
        throw new ArgumentOutOfRangeException(
            nameof(length), length,
            length < 0
                ? "The length must not be negative."
                : $"{length} elements of {elementSize} bytes exceed the largest span an arena hands out ({int.MaxValue} bytes).");

    [DoesNotReturn]
    public static void SpanReleased() =>
        throw new ObjectDisposedException(nameof(ArenaSpan<byte>), "The arena was reset or disposed: the span's memory was released.");

    [DoesNotReturn]
    public static void SpanTooLarge(int count, int elementSize) =>
        throw new OverflowException(
            $"{count} elements of {elementSize} bytes exceed the largest span an arena hands out ({int.MaxValue} bytes).");
}
