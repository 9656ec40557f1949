namespace AllocGen;

/// <summary>What the debug hooks (or a domain) found wrong with a pointer.</summary>
public enum AllocatorFault
{
    /// <summary>The guard bytes after the block were overwritten.</summary>
    WriteAfterEnd,

    /// <summary>The guard bytes before the block were overwritten.</summary>
    WriteBeforeStart,

    /// <summary>The block was already freed.</summary>
    DoubleFree,

    /// <summary>The block was allocated through another domain.</summary>
    WrongDomain,

    /// <summary>No domain allocated the pointer (stack, another allocator, an interior address).</summary>
    ForeignPointer,
}

/// <summary>
/// A fault in the use of an allocator, found by the debug hooks or the domains: the message is a dump of the block
/// (address, domain, requested size, serial number, guard bytes as found and as expected, first bytes). The faulty
/// call did nothing else, so the allocator keeps working. An <see cref="ArgumentException"/>, like every rejected pointer.
/// </summary>
public sealed class AllocatorFaultException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public AllocatorFaultException(AllocatorFault fault, nuint address, string message)
        : base(message, "pointer")
    {
        Fault = fault;
        Address = address;
    }

    /// <summary>What was wrong.</summary>
    public AllocatorFault Fault { get; }

    /// <summary>The pointer passed to the call.</summary>
    public nuint Address { get; }

    /// <summary>The domain the call went through, when it went through one.</summary>
    public AllocDomain? Domain { get; init; }

    /// <summary>The domain that allocated the block, when known.</summary>
    public AllocDomain? AllocatedBy { get; init; }

    /// <summary>The block's serial number (the how-manieth allocation of its hooks), when known.</summary>
    public long? Serial { get; init; }

    /// <summary>The size the block was requested with, when known.</summary>
    public nuint? RequestedSize { get; init; }
}
