using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AllocGen.Generators.Helpers;
using AllocGen.Generators.Model;
using AllocGen.Generators.Validation;
using Microsoft.CodeAnalysis.CSharp;

namespace AllocGen.Generators.Emission;

/// <summary>
/// Plans a pool allocator from its spec (every number the template prints is computed here, not in the template)
/// and renders it.
/// </summary>
internal static class PoolAllocatorEmitter
{
    /// <summary>The oldest C# that compiles the generated code: its geometry implements static abstract interface members.</summary>
    public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp11;

    public static (string HintName, string Source) Emit(PoolAllocatorSpec spec, EquatableArray<string> caseClashes)
    {
        return (HintNames.For(spec.Type, "PoolAllocator", caseClashes), SourceFile.Wrap(spec.Type, "PoolAllocator", Render(spec)));
    }

    /// <summary>
    /// The type declaration alone, without namespace or containing types. A project without unsafe code gets the
    /// safe-only template: no pointer in any signature or body, the heap held as a runtime object that is the IAllocator.
    /// </summary>
    public static string Render(PoolAllocatorSpec spec) =>
        TemplateRenderer.Render(spec.SafeOnly ? "PoolAllocator.SafeOnly.sbn-cs" : "PoolAllocator.sbn-cs", PoolTemplateModel.From(spec));

    /// <summary>Index = request size rounded up to the alignment, divided by it; value = the class serving it.</summary>
    public static byte[] ClassIndexTable(int alignment, int threshold, IReadOnlyList<int> sizeClasses)
    {
        var table = new byte[(threshold / alignment) + 1];
        int cls = 0;
        for (int i = 0; i < table.Length; i++)
        {
            int rounded = i * alignment;
            while (sizeClasses[cls] < rounded)
            {
                cls++;
            }

            table[i] = (byte)cls;
        }

        return table;
    }
}

/// <summary>What PoolAllocator.sbn-cs reads. Property names are used verbatim in the template.</summary>
internal sealed class PoolTemplateModel
{
    public string TypeName { get; private set; } = "";
    public string GeneratorVersion { get; private set; } = "";
    public int ArenaSize { get; private set; }
    public int PoolSize { get; private set; }
    public int Alignment { get; private set; }
    public int AlignmentMask { get; private set; }
    public int AlignmentShift { get; private set; }
    public int SmallRequestThreshold { get; private set; }
    public int ArenaShift { get; private set; }
    public int PoolShift { get; private set; }
    public int PoolsPerArena { get; private set; }
    public int HeaderPoolsPerArena { get; private set; }
    public int ClassCount { get; private set; }
    public string ArenaSizeText { get; private set; } = "";
    public string PoolSizeText { get; private set; } = "";
    public string SizeClassList { get; private set; } = "";
    public List<string> ClassIndexRows { get; private set; } = new();
    public List<ClassModel> Classes { get; private set; } = new();

    /// <summary>Whether the allocator has a medium tier; without one, the template prints the code of an allocator without it.</summary>
    public bool HasMediumTier { get; private set; }

    /// <summary>Largest request of the medium tier, or 0.</summary>
    public int MediumRequestThreshold { get; private set; }

    public string MediumRequestThresholdText { get; private set; } = "";
    public int MediumClassCount { get; private set; }
    public string MediumSizeClassList { get; private set; } = "";

    /// <summary>The grid index of the first medium class, which MediumClassOf subtracts.</summary>
    public int FirstMediumGridIndex { get; private set; }

    /// <summary>The sizes the first medium class serves, for MediumClassOf's comment.</summary>
    public string FirstMediumClassRange { get; private set; } = "";

    public List<MediumClassModel> MediumClasses { get; private set; } = new();

    /// <summary>
    /// The medium classes Allocate&lt;T&gt; tests, one per block size: where neighbouring classes share one, the last,
    /// which MediumClassOf gives that size (AlignedClasses.FindMedium chooses the same at run time).
    /// </summary>
    public List<MediumClassModel> TypedMediumClasses { get; private set; } = new();

    /// <summary>The ThreadPolicy member the generated <c>Threading</c> constant names.</summary>
    public string ThreadPolicyName { get; private set; } = "";

    /// <summary>"true" unless the policy is SingleThreaded.</summary>
    public string IsThreadSafe { get; private set; } = "";

    /// <summary>The runtime heap the generated class holds, which alone implements the policy (the template never branches on it at run time).</summary>
    public string HeapType { get; private set; } = "";

    /// <summary>"private", or "private readonly" for a heap that is a class (its reference never changes; a struct heap mutates itself).</summary>
    public string HeapFieldModifiers { get; private set; } = "";

    /// <summary>The factory of <c>SafePoolHeap</c> for the policy (the safe-only template).</summary>
    public string SafeHeapFactory { get; private set; } = "";

    /// <summary>What the policy guarantees, for the class's remarks.</summary>
    public string ThreadingRemark { get; private set; } = "";

    public static PoolTemplateModel From(PoolAllocatorSpec spec)
    {
        int[] sizes = spec.SizeClasses.AsSpan().ToArray();
        int headerPools = PoolConfigValidator.HeaderPoolsPerArena(spec.ArenaSize, spec.PoolSize);
        byte[] table = PoolAllocatorEmitter.ClassIndexTable(spec.Alignment, spec.SmallRequestThreshold, sizes);
        var rows = new List<string>();
        const int perRow = 16;
        for (int start = 0; start < table.Length; start += perRow)
        {
            IEnumerable<byte> row = table.Skip(start).Take(perRow);
            int first = start * spec.Alignment;
            int last = System.Math.Min(start + perRow - 1, table.Length - 1) * spec.Alignment;
            rows.Add(string.Join(", ", row.Select(b => b.ToString(CultureInfo.InvariantCulture))) + ", // rounded sizes " + first.ToString(CultureInfo.InvariantCulture) + ".." + last.ToString(CultureInfo.InvariantCulture));
        }

        int poolsPerArena = (spec.ArenaSize / spec.PoolSize) - headerPools;
        MediumClass[] medium = spec.MediumClasses.AsSpan().ToArray();
        List<MediumClassModel> mediumModels = medium.Select((c, i) => new MediumClassModel(i, c.BlockSize, c.SpanPools, spec.PoolSize)).ToList();
        return new PoolTemplateModel
        {
            TypeName = spec.Type.CodeName,
            GeneratorVersion = GeneratorInfo.Version,
            ArenaSize = spec.ArenaSize,
            PoolSize = spec.PoolSize,
            Alignment = spec.Alignment,
            AlignmentMask = spec.Alignment - 1,
            AlignmentShift = Log2(spec.Alignment),
            SmallRequestThreshold = spec.SmallRequestThreshold,
            ArenaShift = Log2(spec.ArenaSize),
            PoolShift = Log2(spec.PoolSize),
            PoolsPerArena = poolsPerArena,
            HeaderPoolsPerArena = headerPools,
            ClassCount = sizes.Length,
            ArenaSizeText = Bytes(spec.ArenaSize),
            PoolSizeText = Bytes(spec.PoolSize),
            SizeClassList = string.Join(", ", sizes.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            ClassIndexRows = rows,
            Classes = sizes.Select((size, i) => new ClassModel(i, size, spec.PoolSize / size, spec.PoolSize % size)).ToList(),
            HasMediumTier = medium.Length != 0,
            MediumRequestThreshold = spec.MediumRequestThreshold,
            MediumRequestThresholdText = Bytes(spec.MediumRequestThreshold),
            MediumClassCount = medium.Length,
            MediumSizeClassList = string.Join(", ", medium.Select(c => c.BlockSize.ToString(CultureInfo.InvariantCulture))),
            FirstMediumGridIndex = MediumTier.GridIndex(spec.SmallRequestThreshold + 1L),
            FirstMediumClassRange = medium.Length == 0 ? "" : (spec.SmallRequestThreshold + 1).ToString(CultureInfo.InvariantCulture) + ".." + MediumTier.GridSize(MediumTier.GridIndex(spec.SmallRequestThreshold + 1L)).ToString(CultureInfo.InvariantCulture),
            MediumClasses = mediumModels,
            TypedMediumClasses = mediumModels.Where(c => c.Index == medium.Length - 1 || medium[c.Index + 1].BlockSize != c.BlockSize).ToList(),
            ThreadPolicyName = spec.Threading.ToString(),
            IsThreadSafe = spec.Threading == ThreadPolicy.SingleThreaded ? "false" : "true",
            HeapType = spec.Threading switch
            {
                ThreadPolicy.Locked => "global::AllocGen.Threading.LockedPoolHeap<AllocGenGeometry>",
                ThreadPolicy.PerThread => "global::AllocGen.Threading.PerThreadPoolHeap<AllocGenGeometry>",
                _ => "global::AllocGen.Pools.PoolHeap<AllocGenGeometry>",
            },
            SafeHeapFactory = spec.Threading.ToString(),
            HeapFieldModifiers = spec.Threading == ThreadPolicy.PerThread ? "private readonly" : "private",
            ThreadingRemark = spec.Threading switch
            {
                ThreadPolicy.Locked => "Safe from any thread: one lock around one heap, so calls from different threads take turns.",
                ThreadPolicy.PerThread => "Safe from any thread: a heap per thread, lock-free frees from other threads.",
                _ => "Not thread-safe: the caller synchronizes (one instance per thread, or a lock around every call).",
            },
        };
    }

    internal static int Log2(int value)
    {
        int shift = 0;
        while ((1 << shift) < value)
        {
            shift++;
        }

        return shift;
    }

    internal static string Bytes(int value) =>
        value >= 1 << 20 && value % (1 << 20) == 0 ? (value >> 20).ToString(CultureInfo.InvariantCulture) + " MiB"
        : value >= 1 << 10 && value % (1 << 10) == 0 ? (value >> 10).ToString(CultureInfo.InvariantCulture) + " KiB"
        : value.ToString(CultureInfo.InvariantCulture) + " B";
}

/// <summary>One size class as the template prints it.</summary>
internal sealed class ClassModel
{
    public ClassModel(int index, int blockSize, int blocksPerPool, int wastePerPool)
    {
        Index = index;
        BlockSize = blockSize;
        BlocksPerPool = blocksPerPool;
        WastePerPool = wastePerPool;
    }

    public int Index { get; }
    public int BlockSize { get; }
    public int BlocksPerPool { get; }
    public int WastePerPool { get; }
}

/// <summary>One medium class as the template prints it: its block size, and its span of whole pools.</summary>
internal sealed class MediumClassModel
{
    public MediumClassModel(int index, int blockSize, int spanPools, int poolSize)
    {
        long spanBytes = (long)spanPools * poolSize;
        Index = index;
        BlockSize = blockSize;
        SpanPools = spanPools;
        SpanPoolsText = spanPools == 1 ? "1 pool" : spanPools.ToString(CultureInfo.InvariantCulture) + " pools";
        BlocksPerSpan = spanBytes / blockSize;
        BlocksPerSpanText = BlocksPerSpan == 1 ? "1 block" : BlocksPerSpan.ToString(CultureInfo.InvariantCulture) + " blocks";
        LeftoverPerSpan = spanBytes % blockSize;
    }

    public int Index { get; }
    public int BlockSize { get; }
    public int SpanPools { get; }

    /// <summary>"1 pool" or "N pools".</summary>
    public string SpanPoolsText { get; }

    public long BlocksPerSpan { get; }

    /// <summary>"1 block" or "N blocks".</summary>
    public string BlocksPerSpanText { get; }
    public long LeftoverPerSpan { get; }
}
