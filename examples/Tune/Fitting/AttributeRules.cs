using System.Globalization;
using System.Numerics;
using System.Text;

namespace AllocGen.Tune.Fitting;

/// <summary>
/// The generator's rules for a <c>[PoolAllocator]</c> + <c>[SizeClasses]</c> declaration (the README's table), and
/// the attribute lines that declare a configuration.
/// </summary>
public static class AttributeRules
{
    /// <summary>The first rule the configuration breaks, as a sentence, or null.</summary>
    public static string? FindError(int arenaSize, int poolSize, int alignment, int threshold, IReadOnlyList<int> sizeClasses)
    {
        ArgumentNullException.ThrowIfNull(sizeClasses);
        if (!BitOperations.IsPow2(arenaSize) || arenaSize < 8 << 10 || arenaSize > 1 << 30 || arenaSize < 2 * poolSize)
        {
            return $"ArenaSize {arenaSize} must be a power of two, 8 KiB .. 1 GiB, at least 2 × PoolSize";
        }

        if (!BitOperations.IsPow2(poolSize) || poolSize < 4 << 10)
        {
            return $"PoolSize {poolSize} must be a power of two, 4 KiB .. ArenaSize / 2";
        }

        if (!BitOperations.IsPow2(alignment) || alignment < 8 || alignment > 4096)
        {
            return $"Alignment {alignment} must be a power of two, 8 .. 4096";
        }

        if (threshold <= 0 || threshold % alignment != 0 || threshold > poolSize)
        {
            return $"SmallRequestThreshold {threshold} must be a multiple of Alignment, at most PoolSize";
        }

        if (sizeClasses.Count is 0 or > 255)
        {
            return $"[SizeClasses] needs 1 .. 255 classes, not {sizeClasses.Count}";
        }

        for (int i = 0; i < sizeClasses.Count; i++)
        {
            if (sizeClasses[i] % alignment != 0 || sizeClasses[i] <= 0 || (i > 0 && sizeClasses[i] <= sizeClasses[i - 1]))
            {
                return $"size class {sizeClasses[i]} must be a positive multiple of Alignment, above the class before it";
            }
        }

        return sizeClasses[^1] == threshold ? null : $"the last size class {sizeClasses[^1]} must equal SmallRequestThreshold {threshold}";
    }

    /// <summary>The <c>[PoolAllocator(...)]</c> line declaring the geometry.</summary>
    public static string PoolAllocatorLine(int arenaSize, int poolSize, int alignment, int threshold) =>
        $"[PoolAllocator(ArenaSize = {Bytes(arenaSize)}, PoolSize = {Bytes(poolSize)}, Alignment = {Number(alignment)}, SmallRequestThreshold = {Number(threshold)})]";

    /// <summary>The <c>[SizeClasses(...)]</c> line declaring the classes.</summary>
    public static string SizeClassesLine(IReadOnlyList<int> sizeClasses) =>
        $"[SizeClasses({string.Join(", ", sizeClasses.Select(Number))})]";

    /// <summary>A size as C# that reads like the README's: <c>1 &lt;&lt; 20</c>, <c>16 &lt;&lt; 10</c>.</summary>
    private static string Bytes(int size)
    {
        var text = new StringBuilder();
        if (size >= 1 << 20 && size % (1 << 20) == 0)
        {
            text.Append(Number(size >> 20)).Append(" << 20");
        }
        else if (size >= 1 << 10 && size % (1 << 10) == 0)
        {
            text.Append(Number(size >> 10)).Append(" << 10");
        }
        else
        {
            text.Append(Number(size));
        }

        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
