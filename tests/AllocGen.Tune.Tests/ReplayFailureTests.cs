using AllocGen.Stats;
using AllocGen.Tracing;
using AllocGen.Tune.Replay;
using AllocGen.Tuning;
using Xunit;

namespace AllocGen.Tune.Tests;

/// <summary>A replay that goes wrong names the variant and the operation index.</summary>
public sealed class ReplayFailureTests
{
    // Blocks 1 and 2 live; block 1 is reallocated, freed; block 2 is freed last.
    private static readonly TraceOperation[] Trace =
    [
        new(TraceOperationKind.Allocate, 1, 40, 1, 0, 0),
        new(TraceOperationKind.Allocate, 2, 24, 1, 0, 0),
        new(TraceOperationKind.Allocate, 3, 100, 1, 0, 0),
        new(TraceOperationKind.Free, 3, 0, 1, 0, 0),
        new(TraceOperationKind.Reallocate, 1, 200, 1, 0, 0),
        new(TraceOperationKind.Free, 1, 0, 1, 0, 0),
        new(TraceOperationKind.Free, 2, 0, 1, 0, 0),
    ];

    private static ReplayFailedException Replay<TDriver>()
        where TDriver : struct, IAllocatorDriver<TDriver>
    {
        var runner = new ReplayRunner(CompiledTrace.Compile(Trace), new ReplayOptions(1, 1), new PlainProgress(TextWriter.Null));
        return Assert.Throws<ReplayFailedException>(() => runner.Visit<TDriver>(TDriver.Info));
    }

    [Fact]
    public void ABlockCorruptedByAnotherAllocationFailsAtTheFreeThatFindsIt()
    {
        ReplayFailedException failure = Replay<CorruptingDriver>();

        // The third allocation writes over block 2's first byte; block 2 is checked when it is freed, at operation 6.
        Assert.Equal("Corrupting", failure.Variant);
        Assert.Equal(6, failure.OperationIndex);
        Assert.Contains("Variant Corrupting failed at operation 6", failure.Message, StringComparison.Ordinal);
        Assert.Contains("block 2", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReallocationThatLosesTheContentsFailsAtTheReallocation()
    {
        ReplayFailedException failure = Replay<ForgetfulDriver>();

        Assert.Equal("Forgetful", failure.Variant);
        Assert.Equal(4, failure.OperationIndex);
        Assert.Contains("after the reallocation", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExceptionFromTheAllocatorNamesTheOperationThatThrew()
    {
        ReplayFailedException failure = Replay<ThrowingDriver>();

        Assert.Equal("Throwing", failure.Variant);
        Assert.Equal(3, failure.OperationIndex);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        Assert.Contains("Free of block 3", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACorrectAllocatorOverTheSameTracePasses()
    {
        var runner = new ReplayRunner(CompiledTrace.Compile(Trace), new ReplayOptions(1, 1), new PlainProgress(TextWriter.Null));
        runner.Visit<Variants.SystemAllocatorDriver>(Variants.SystemAllocatorDriver.Info);
        Assert.Equal(Trace.Length, Assert.Single(runner.Results).Operations);
    }

    /// <summary>The system allocator, but its third allocation also writes a byte into the second block.</summary>
    private unsafe struct CorruptingDriver : IAllocatorDriver<CorruptingDriver>
    {
        private SystemAllocator _allocator;
        private int _allocations;
        private byte* _second;

        public static AllocatorVariantInfo Info { get; } = new("Corrupting", 0, 0, 16, 0, []);

        public readonly IAllocator Allocator => _allocator;

        public static CorruptingDriver Create() => new() { _allocator = new() };

        public void* Allocate(nuint size)
        {
            var block = (byte*)_allocator.Allocate(size);
            _allocations++;
            if (_allocations == 2)
            {
                _second = block;
            }
            else if (_allocations == 3)
            {
                *_second ^= 0xFF;
            }

            return block;
        }

        public readonly void* AllocateZeroed(nuint count, nuint size) => _allocator.AllocateZeroed(count, size);

        public readonly void* Reallocate(void* pointer, nuint newSize) => _allocator.Reallocate(pointer, newSize);

        public readonly void Free(void* pointer) => _allocator.Free(pointer);

        public readonly AllocatorStats GetStats() => _allocator.GetStats();

        public readonly void Dispose() => _allocator.Dispose();
    }

    /// <summary>Reallocates without copying.</summary>
    private unsafe struct ForgetfulDriver : IAllocatorDriver<ForgetfulDriver>
    {
        private SystemAllocator _allocator;

        public static AllocatorVariantInfo Info { get; } = new("Forgetful", 0, 0, 16, 0, []);

        public readonly IAllocator Allocator => _allocator;

        public static ForgetfulDriver Create() => new() { _allocator = new() };

        public readonly void* Allocate(nuint size) => _allocator.Allocate(size);

        public readonly void* AllocateZeroed(nuint count, nuint size) => _allocator.AllocateZeroed(count, size);

        public readonly void* Reallocate(void* pointer, nuint newSize)
        {
            void* block = _allocator.AllocateZeroed(1, newSize);
            _allocator.Free(pointer);
            return block;
        }

        public readonly void Free(void* pointer) => _allocator.Free(pointer);

        public readonly AllocatorStats GetStats() => _allocator.GetStats();

        public readonly void Dispose() => _allocator.Dispose();
    }

    /// <summary>Throws on its first free.</summary>
    private unsafe struct ThrowingDriver : IAllocatorDriver<ThrowingDriver>
    {
        private SystemAllocator _allocator;

        public static AllocatorVariantInfo Info { get; } = new("Throwing", 0, 0, 16, 0, []);

        public readonly IAllocator Allocator => _allocator;

        public static ThrowingDriver Create() => new() { _allocator = new() };

        public readonly void* Allocate(nuint size) => _allocator.Allocate(size);

        public readonly void* AllocateZeroed(nuint count, nuint size) => _allocator.AllocateZeroed(count, size);

        public readonly void* Reallocate(void* pointer, nuint newSize) => _allocator.Reallocate(pointer, newSize);

        public readonly void Free(void* pointer) => throw new InvalidOperationException("injected");

        public readonly AllocatorStats GetStats() => _allocator.GetStats();

        public readonly void Dispose() => _allocator.Dispose();
    }
}
