using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AllocGen.Benchmarks.Floor;
using AllocGen.Benchmarks.Peers;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>glibc through the runtime: <see cref="NativeMemory.Alloc(nuint)"/> / <see cref="NativeMemory.Free"/>.</summary>
public unsafe struct NativeMemoryAllocator : IBenchAllocator<nint, nint>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Allocate(int size) => (nint)NativeMemory.Alloc((nuint)size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(nint block) => NativeMemory.Free((void*)block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Reallocate(nint block, int oldSize, int newSize) => (nint)NativeMemory.Realloc((void*)block, (nuint)newSize);

    public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint AllocatePayload() => (nint)NativeMemory.Alloc((nuint)sizeof(Payload24));

    public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreePayload(nint payload) => NativeMemory.Free((void*)payload);
}

/// <summary>A native peer called through unmanaged function pointers resolved on its library handle.</summary>
public unsafe struct FunctionPointerAllocator(PeerFunctions functions) : IBenchAllocator<nint, nint>
{
    private readonly PeerFunctions _f = functions;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Allocate(int size) => (nint)_f.Malloc((nuint)size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(nint block) => _f.Free((void*)block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Reallocate(nint block, int oldSize, int newSize) => (nint)_f.Realloc((void*)block, (nuint)newSize);

    public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint AllocatePayload() => (nint)_f.Malloc((nuint)sizeof(Payload24));

    public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreePayload(nint payload) => _f.Free((void*)payload);
}

/// <summary>The hand-written floor: <see cref="FreeListFloor"/>.</summary>
public unsafe struct FloorAllocator(FreeListFloor floor) : IBenchAllocator<nint, nint>
{
    private readonly FreeListFloor _floor = floor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Allocate(int size) => (nint)_floor.Allocate((nuint)size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(nint block) => _floor.Free((void*)block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint Reallocate(nint block, int oldSize, int newSize) => (nint)_floor.Reallocate((void*)block, (nuint)newSize);

    public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint AllocatePayload() => (nint)_floor.Allocate((nuint)sizeof(Payload24));

    public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreePayload(nint payload) => _floor.Free((void*)payload);
}

/// <summary><see cref="ArrayPool{T}.Shared"/> rent/return (context row: managed, pooled).</summary>
public struct ArrayPoolAllocator : IBenchAllocator<byte[], Payload24[]>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte[] Allocate(int size) => ArrayPool<byte>.Shared.Rent(size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(byte[] block) => ArrayPool<byte>.Shared.Return(block);

    public byte[] Reallocate(byte[] block, int oldSize, int newSize)
    {
        if (newSize <= block.Length)
            return block;
        var grown = ArrayPool<byte>.Shared.Rent(newSize);
        block.AsSpan(0, oldSize).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(block);
        return grown;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(byte[] block, int offset) => block[offset] = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Payload24[] AllocatePayload() => ArrayPool<Payload24>.Shared.Rent(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WritePayload(Payload24[] payload) => payload[0].A = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreePayload(Payload24[] payload) => ArrayPool<Payload24>.Shared.Return(payload);
}

/// <summary><c>new byte[n]</c> (context row: managed, the GC frees). "Free" drops the reference.</summary>
public struct NewArrayAllocator : IBenchAllocator<byte[], Payload24[]>
{
    // A "freed" array escapes to these fields so the JIT can neither drop the allocation nor turn
    // it into a stack allocation (.NET 10 escape analysis does that for new Payload24[1]).
    private byte[]? _lastBlock;
    private Payload24[]? _lastPayload;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte[] Allocate(int size) => new byte[size];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(byte[] block) => _lastBlock = block;

    public byte[] Reallocate(byte[] block, int oldSize, int newSize)
    {
        var grown = new byte[newSize];
        block.AsSpan(0, oldSize).CopyTo(grown);
        return grown;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(byte[] block, int offset) => block[offset] = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Payload24[] AllocatePayload() => new Payload24[1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WritePayload(Payload24[] payload) => payload[0].A = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreePayload(Payload24[] payload) => _lastPayload = payload;
}
