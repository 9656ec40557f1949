// The AllocGen rows of the thread policies: heaps declared with PoolAllocatorAttribute.Threading. Kept apart from
// BenchHeap.cs so the rest of the suite builds with a generator that does not know Threading (then these rows are
// skipped with a message; see AllocatorCatalog.ThreadPolicyHeapsCompiled).
using System.Runtime.CompilerServices;
using AllocGen.Benchmarks.Peers;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks
{
    /// <summary>The allocator under test with <see cref="ThreadPolicy.Locked"/>: one heap behind one lock.</summary>
    [AllocGen.PoolAllocator(Threading = ThreadPolicy.Locked)]
    public sealed partial class BenchLockedHeap { }

    /// <summary>The allocator under test with <see cref="ThreadPolicy.PerThread"/>: one thread heap per thread that uses it.</summary>
    [AllocGen.PoolAllocator(Threading = ThreadPolicy.PerThread)]
    public sealed partial class BenchPerThreadHeap { }
}

namespace AllocGen.Benchmarks.Workloads
{
    /// <summary>The generated <see cref="BenchLockedHeap"/> as a workload allocator.</summary>
    public unsafe struct AllocGenLockedAllocator(BenchLockedHeap heap) : IBenchAllocator<nint, nint>
    {
        private readonly BenchLockedHeap _heap = heap;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Allocate(int size) => (nint)_heap.Allocate((nuint)size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Free(nint block) => _heap.Free((void*)block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Reallocate(nint block, int oldSize, int newSize) => (nint)_heap.Reallocate((void*)block, (nuint)newSize);

        public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint AllocatePayload() => (nint)_heap.Allocate<Payload24>();

        public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FreePayload(nint payload) => _heap.Free((void*)payload);
    }

    /// <summary>The generated <see cref="BenchPerThreadHeap"/> as a workload allocator.</summary>
    public unsafe struct AllocGenPerThreadAllocator(BenchPerThreadHeap heap) : IBenchAllocator<nint, nint>
    {
        private readonly BenchPerThreadHeap _heap = heap;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Allocate(int size) => (nint)_heap.Allocate((nuint)size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Free(nint block) => _heap.Free((void*)block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Reallocate(nint block, int oldSize, int newSize) => (nint)_heap.Reallocate((void*)block, (nuint)newSize);

        public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint AllocatePayload() => (nint)_heap.Allocate<Payload24>();

        public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FreePayload(nint payload) => _heap.Free((void*)payload);
    }

    public abstract partial class WorkloadBase
    {
        private AllocGenLockedAllocator _allocGenLocked;
        private AllocGenPerThreadAllocator _allocGenPerThread;
        private IAllocator? _threadPolicyHeap;

        partial void CreateThreadPolicyHeap(ref bool created)
        {
            switch (Allocator)
            {
                case Allocator.AllocGenLocked:
                    var locked = new BenchLockedHeap();
                    (_allocGenLocked, _threadPolicyHeap) = (new AllocGenLockedAllocator(locked), locked);
                    created = true;
                    break;
                case Allocator.AllocGenPerThread:
                    var perThread = new BenchPerThreadHeap();
                    (_allocGenPerThread, _threadPolicyHeap) = (new AllocGenPerThreadAllocator(perThread), perThread);
                    created = true;
                    break;
            }
        }

        partial void DestroyThreadPolicyHeap()
        {
            _threadPolicyHeap?.Dispose();
            _threadPolicyHeap = null;
        }

        partial void DispatchThreadPolicyHeap<TAction>(ref TAction action) where TAction : struct, IAllocatorAction
        {
            if (Allocator == Allocator.AllocGenLocked)
                action.Run<AllocGenLockedAllocator, nint, nint>(ref _allocGenLocked);
            else
                action.Run<AllocGenPerThreadAllocator, nint, nint>(ref _allocGenPerThread);
        }

        partial void ThreadPolicyHeapStats(ref long bytesCommitted, ref long bytesInUse)
        {
            if (_threadPolicyHeap is null)
                return;
            var stats = _threadPolicyHeap.GetStats();
            bytesCommitted = stats.BytesCommitted;
            bytesInUse = stats.BytesInUse;
        }

        partial void TrimThreadPolicyHeap(ref bool trimmed)
        {
            switch (_threadPolicyHeap)
            {
                case BenchLockedHeap locked:
                    locked.Trim();
                    trimmed = true;
                    break;
                case BenchPerThreadHeap perThread:
                    perThread.Trim();
                    trimmed = true;
                    break;
            }
        }
    }
}

namespace AllocGen.Benchmarks.Peers
{
    public static partial class AllocatorCatalog
    {
        static partial void ThreadPolicyHeapsAreCompiled(ref bool compiled) => compiled = true;
    }
}
