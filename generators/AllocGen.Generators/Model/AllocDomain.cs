namespace AllocGen.Generators.Model;

/// <summary>
/// The runtime's <c>AllocGen.AllocDomain</c> as the generator reads it from <c>[Domain(...)]</c>: same names, same
/// values (the generated code names the runtime's members).
/// </summary>
internal enum AllocDomain
{
    Raw = 0,
    Mem = 1,
    Object = 2,
}
