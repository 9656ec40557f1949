namespace AllocGen.Generators.Model;

/// <summary>
/// The runtime's <c>AllocGen.ThreadPolicy</c> as the generator reads it from <c>[PoolAllocator(Threading = ...)]</c>:
/// same names, same values (the generated <c>Threading</c> constant names the runtime's member, and a test reads it back).
/// </summary>
internal enum ThreadPolicy
{
    SingleThreaded = 0,
    Locked = 1,
    PerThread = 2,
}
