// The rows of the allocators the domains install: the generated BenchHeap under the debug hooks (what the debug
// modes cost against the AllocGen row), and the SystemAllocator (what the malloc mode and the Raw domain cost
// against the glibc row). Both are called through IAllocator, as the domains' slow paths call them.
using System.Runtime.CompilerServices;
using AllocGen.Benchmarks.Peers;

namespace AllocGen.Benchmarks.Workloads
{
    /// <summary>Any <see cref="IAllocator"/> as a workload allocator, called through the interface.</summary>
    public unsafe struct InterfaceAllocator(IAllocator allocator) : IBenchAllocator<nint, nint>
    {
        private readonly IAllocator _allocator = allocator;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Allocate(int size) => (nint)_allocator.Allocate((nuint)size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Free(nint block) => _allocator.Free((void*)block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Reallocate(nint block, int oldSize, int newSize) => (nint)_allocator.Reallocate((void*)block, (nuint)newSize);

        public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint AllocatePayload() => (nint)_allocator.Allocate((nuint)sizeof(Payload24));

        public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FreePayload(nint payload) => _allocator.Free((void*)payload);
    }

    public abstract partial class WorkloadBase
    {
        private InterfaceAllocator _domainRow;
        private IAllocator? _domainRowAllocator;
        private BenchHeap? _domainRowHeap;

        partial void CreateDomainRow(ref bool created)
        {
            if (Allocator == Allocator.AllocGenDebug)
            {
                _domainRowHeap = new BenchHeap();
                _domainRowAllocator = new DebugAllocator(_domainRowHeap, AllocDomain.Mem);
            }
            else
            {
                _domainRowAllocator = new SystemAllocator();
            }

            _domainRow = new InterfaceAllocator(_domainRowAllocator);
            created = true;
        }

        partial void DestroyDomainRow()
        {
            _domainRowAllocator?.Dispose();
            _domainRowHeap?.Dispose();
            (_domainRowAllocator, _domainRowHeap) = (null, null);
        }

        partial void DispatchDomainRow<TAction>(ref TAction action) where TAction : struct, IAllocatorAction
            => action.Run<InterfaceAllocator, nint, nint>(ref _domainRow);

        partial void DomainRowStats(ref long bytesReserved, ref long bytesInUse)
        {
            if (_domainRowAllocator is null)
                return;
            var stats = _domainRowAllocator.GetStats();
            bytesReserved = stats.BytesReserved;
            bytesInUse = stats.BytesInUse;
        }

        partial void TrimDomainRow(ref bool trimmed)
        {
            if (_domainRowHeap is null)
                return;
            _domainRowHeap.Trim();
            trimmed = true;
        }
    }
}
