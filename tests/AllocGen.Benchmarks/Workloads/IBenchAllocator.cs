using System.Runtime.CompilerServices;

namespace AllocGen.Benchmarks.Workloads;

/// <summary>The 24-byte struct of the typed workload (<c>Allocate&lt;T&gt;()</c>).</summary>
public struct Payload24
{
    public long A;
    public long B;
    public long C;
}

/// <summary>
/// What a workload kernel needs from an allocator. Every implementation is a struct, so a kernel
/// instantiated for it is compiled for that allocator alone: calls are direct (or one indirect call
/// through the peer's function pointer), with no interface dispatch in the measured loop.
/// </summary>
/// <typeparam name="TBlock">A block handle: a native address (<c>nint</c>) or a managed array.</typeparam>
/// <typeparam name="TPayload">The handle of one <see cref="Payload24"/> for the typed workload.</typeparam>
public interface IBenchAllocator<TBlock, TPayload>
{
    TBlock Allocate(int size);
    void Free(TBlock block);
    TBlock Reallocate(TBlock block, int oldSize, int newSize);

    /// <summary>Writes one byte at <paramref name="offset"/> of the block.</summary>
    void Write(TBlock block, int offset);

    TPayload AllocatePayload();
    void WritePayload(TPayload payload);
    void FreePayload(TPayload payload);
}

/// <summary>
/// A workload step run with one allocator: <see cref="WorkloadBase.Dispatch{TAction}"/> calls it
/// with the allocator row being measured, as a struct type argument.
/// </summary>
public interface IAllocatorAction
{
    void Run<TAllocator, TBlock, TPayload>(ref TAllocator allocator)
        where TAllocator : struct, IBenchAllocator<TBlock, TPayload>;
}

/// <summary>Helpers shared by the native (address-handle) allocators.</summary>
internal static unsafe class NativeBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(nint block, int offset) => ((byte*)block)[offset] = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WritePayload(nint payload) => ((Payload24*)payload)->A = 1;
}
