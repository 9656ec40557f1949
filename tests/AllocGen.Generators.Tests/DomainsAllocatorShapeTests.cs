using Xunit;

namespace AllocGen.Generators.Tests;

/// <summary>
/// Allocator types that the generated fast paths cannot simply call on a field: a struct (held boxed, called on the
/// box's contents) and a class that implements IAllocator explicitly (called through the interface). Both compile,
/// and the fast paths and <c>GetAllocator</c> reach one instance.
/// </summary>
public sealed class DomainsAllocatorShapeTests
{
    private const string Source = """
        using AllocGen;

        public unsafe struct CountingStruct : IAllocator
        {
            private static readonly SystemAllocator s_system = new();
            public int Calls;
            public bool IsThreadSafe => false;
            public void* Allocate(nuint size) { Calls++; return s_system.Allocate(size); }
            public void* AllocateAligned(nuint size, nuint alignment) => s_system.AllocateAligned(size, alignment);
            public void* AllocateZeroed(nuint count, nuint size) { Calls++; return s_system.AllocateZeroed(count, size); }
            public void* Reallocate(void* pointer, nuint newSize) { Calls++; return s_system.Reallocate(pointer, newSize); }
            public void Free(void* pointer) { Calls++; s_system.Free(pointer); }
            public bool Owns(void* pointer) => s_system.Owns(pointer);
            public nuint UsableSize(void* pointer) => s_system.UsableSize(pointer);
            public AllocGen.Stats.AllocatorStats GetStats() => s_system.GetStats();
            public void Dispose() { }
        }

        public sealed unsafe class ExplicitAllocator : IAllocator
        {
            private static readonly SystemAllocator s_system = new();
            public int Calls;
            bool IAllocator.IsThreadSafe => false;
            void* IAllocator.Allocate(nuint size) { Calls++; return s_system.Allocate(size); }
            void* IAllocator.AllocateAligned(nuint size, nuint alignment) => s_system.AllocateAligned(size, alignment);
            void* IAllocator.AllocateZeroed(nuint count, nuint size) { Calls++; return s_system.AllocateZeroed(count, size); }
            void* IAllocator.Reallocate(void* pointer, nuint newSize) { Calls++; return s_system.Reallocate(pointer, newSize); }
            void IAllocator.Free(void* pointer) { Calls++; s_system.Free(pointer); }
            bool IAllocator.Owns(void* pointer) => s_system.Owns(pointer);
            nuint IAllocator.UsableSize(void* pointer) => s_system.UsableSize(pointer);
            AllocGen.Stats.AllocatorStats IAllocator.GetStats() => s_system.GetStats();
            void System.IDisposable.Dispose() { }

            // A public method of the same name that the generated code must not bind to.
            public void* Allocate(nuint size) => throw new System.InvalidOperationException("not the IAllocator member");
        }

        [AllocatorDomains]
        [Domain(AllocDomain.Raw, typeof(SystemAllocator))]
        [Domain(AllocDomain.Mem, typeof(CountingStruct))]
        [Domain(AllocDomain.Object, typeof(ExplicitAllocator))]
        public static unsafe partial class Mem
        {
            public static int[] Run()
            {
                byte* a = (byte*)Malloc(8);
                a = (byte*)Realloc(a, 64);
                Free(a);
                Free(Calloc(2, 4));
                byte* b = (byte*)ObjectMalloc(8);
                b = (byte*)ObjectRealloc(b, 64);
                ObjectFree(b);
                ObjectFree(ObjectCalloc(2, 4));
                return [((CountingStruct)GetAllocator(AllocDomain.Mem)).Calls, ((ExplicitAllocator)GetAllocator(AllocDomain.Object)).Calls];
            }
        }
        """;

    [Fact]
    public void AStructAndAnExplicitImplementationAreCalledOnTheInstanceTheDomainSetHolds()
    {
        GeneratorRun run = GeneratorHarness.Run(Source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputErrorsAndWarnings.IsEmpty, GeneratorHarness.Format(run.OutputErrorsAndWarnings));
        string generated = run.Source("Mem.AllocatorDomains.g.cs");
        Assert.Contains("private static readonly global::AllocGen.IAllocator s_allocGenMem = new global::CountingStruct();", generated, StringComparison.Ordinal);
        Assert.Contains("global::System.Runtime.CompilerServices.Unsafe.Unbox<global::CountingStruct>(s_allocGenMem).Allocate(size)", generated, StringComparison.Ordinal);
        Assert.Contains("((global::AllocGen.IAllocator)s_allocGenObject).Allocate(size)", generated, StringComparison.Ordinal);

        using LoadedAssembly loaded = GeneratorHarness.EmitAndLoad(run.OutputCompilation);
        var calls = (int[])loaded.Invoke("Mem", "Run")!;

        // Five calls each (Malloc, Realloc, Free, Calloc, Free), all counted by the one instance GetAllocator returns.
        Assert.Equal([5, 5], calls);
    }
}
