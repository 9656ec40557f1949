namespace AllocGen;

/// <summary>The three allocation domains, as CPython's <c>PYMEM_DOMAIN_RAW / MEM / OBJ</c>.</summary>
public enum AllocDomain
{
    /// <summary>Requests that need no run-time state and must be safe from any thread (system memory by default).</summary>
    Raw = 0,

    /// <summary>General buffers.</summary>
    Mem = 1,

    /// <summary>Small objects.</summary>
    Object = 2,
}
