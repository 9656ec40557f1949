using System.Collections.Generic;
using AllocGen.Generators.Diagnostics;

namespace AllocGen.Generators.Validation;

/// <summary>Checks a [BumpArena] declaration. Pure, like <see cref="PoolConfigValidator"/>.</summary>
internal static class BumpArenaValidator
{
    public const int DefaultBlockSize = 8192;
    public const int DefaultAlignment = 8;
    public const int MinBlockSize = 256;
    public const int MaxBlockSize = 64 << 20;

    public static List<ConfigProblem> Validate(int blockSize, int alignment)
    {
        var problems = new List<ConfigProblem>();
        bool blockOk = PoolConfigValidator.IsPowerOfTwo(blockSize) && blockSize >= MinBlockSize && blockSize <= MaxBlockSize;
        if (!blockOk)
        {
            problems.Add(new(DiagnosticDescriptors.BlockSizeInvalid, "BlockSize", -1, new object[] { blockSize }));
        }

        if (!PoolConfigValidator.IsPowerOfTwo(alignment) || alignment > 4096 || (blockOk && alignment > blockSize))
        {
            problems.Add(new(DiagnosticDescriptors.ArenaAlignmentInvalid, "Alignment", -1, new object[] { alignment, blockSize }));
        }

        return problems;
    }
}
