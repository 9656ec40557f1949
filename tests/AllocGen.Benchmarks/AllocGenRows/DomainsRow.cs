// The AllocGenDomains row: the generated BenchHeap reached through the Mem domain of a generated [AllocatorDomains]
// class, next to the AllocGen row that calls a BenchHeap directly. The difference is the domain path's cost: one
// test of the route flag and the call on a static field. Kept apart so the rest of the suite builds with a generator
// that does not know [AllocatorDomains] (the row is then skipped with a message; see AllocatorCatalog.DomainsCompiled).
using System.Runtime.CompilerServices;
using AllocGen.Benchmarks.Workloads;

namespace AllocGen.Benchmarks
{
    /// <summary>
    /// Domains over the default (single-threaded) BenchHeap, like the AllocGen row's. AG0034 warns that a static domain
    /// is reachable from any thread; the benchmark calls it from one, so the project turns the warning off.
    /// </summary>
    [AllocatorDomains]
    [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
    [Domain(AllocDomain.Mem, typeof(BenchHeap))]
    [Domain(AllocDomain.Object, typeof(BenchHeap))]
    public static partial class BenchDomains { }
}

namespace AllocGen.Benchmarks.Workloads
{
    /// <summary>The Mem domain of <see cref="BenchDomains"/> as a workload allocator.</summary>
    public unsafe struct AllocGenDomainsAllocator : IBenchAllocator<nint, nint>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Allocate(int size) => (nint)BenchDomains.Malloc((nuint)size);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Free(nint block) => BenchDomains.Free((void*)block);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint Reallocate(nint block, int oldSize, int newSize) => (nint)BenchDomains.Realloc((void*)block, (nuint)newSize);

        public void Write(nint block, int offset) => NativeBlock.Write(block, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public nint AllocatePayload() => (nint)BenchDomains.Malloc((nuint)sizeof(Payload24));

        public void WritePayload(nint payload) => NativeBlock.WritePayload(payload);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FreePayload(nint payload) => BenchDomains.Free((void*)payload);
    }

    public abstract partial class WorkloadBase
    {
        private AllocGenDomainsAllocator _allocGenDomains;

        // The domains' BenchHeap is created with the class and lives as long as the process (each row runs in its own).
        partial void CreateDomainsRow(ref bool created)
        {
            _allocGenDomains = default;
            created = true;
        }

        partial void DispatchDomainsRow<TAction>(ref TAction action) where TAction : struct, IAllocatorAction
            => action.Run<AllocGenDomainsAllocator, nint, nint>(ref _allocGenDomains);
    }
}

namespace AllocGen.Benchmarks.Peers
{
    public static partial class AllocatorCatalog
    {
        static partial void DomainsAreCompiled(ref bool compiled) => compiled = true;
    }
}
