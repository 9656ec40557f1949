using Xunit;

namespace AllocGen.Tests.Domains.Generated;

/// <summary>
/// SetAllocator and GetAllocator on a generated class (<see cref="SwapMem"/>, which no other test uses): what the
/// minimal DomainSet defines. A block is freed through the allocator that allocated it; what happens to blocks
/// allocated before a swap is the runtime's (modes) tests.
/// </summary>
public sealed unsafe class GeneratedSetAllocatorTests
{
    [Fact]
    public void SetAllocatorRoutesTheDomainToTheGivenAllocatorAndBack()
    {
        IAllocator declared = SwapMem.GetAllocator(AllocDomain.Mem);
        using var replacement = new SystemAllocator();

        SwapMem.SetAllocator(AllocDomain.Mem, replacement);
        try
        {
            Assert.Same(replacement, SwapMem.GetAllocator(AllocDomain.Mem));
            Assert.Same(declared, SwapMem.GetAllocator(AllocDomain.Object)); // the other domain keeps the declared one

            byte* block = (byte*)SwapMem.Malloc(100);
            Assert.True(replacement.Owns(block));
            Assert.False(declared.Owns(block));
            block = (byte*)SwapMem.Realloc(block, 200);
            Assert.True(replacement.Owns(block));
            byte* zeroed = (byte*)SwapMem.Calloc(10, 10);
            Assert.True(replacement.Owns(zeroed));
            SwapMem.Free(zeroed);
            SwapMem.Free(block);
            Assert.Equal(0, replacement.GetStats().LargeBlocks);

            void* objectBlock = SwapMem.ObjectMalloc(100);
            Assert.True(declared.Owns(objectBlock));
            SwapMem.ObjectFree(objectBlock);
        }
        finally
        {
            SwapMem.SetAllocator(AllocDomain.Mem, declared);
        }

        Assert.Same(declared, SwapMem.GetAllocator(AllocDomain.Mem));
        void* again = SwapMem.Malloc(100);
        Assert.True(declared.Owns(again));
        SwapMem.Free(again);
    }

    [Fact]
    public void SetAllocatorRejectsNull() =>
        Assert.Throws<ArgumentNullException>(() => SwapMem.SetAllocator(AllocDomain.Raw, null!));
}
