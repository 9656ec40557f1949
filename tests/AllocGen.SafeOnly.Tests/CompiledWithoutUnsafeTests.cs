using System.Reflection;
using System.Security;
using Xunit;

namespace AllocGen.SafeOnly.Tests;

/// <summary>This project really is compiled without unsafe code, and what the generator gave it has no pointer anywhere.</summary>
public sealed class CompiledWithoutUnsafeTests
{
    public static TheoryData<Type> GeneratedTypes => new() { typeof(SingleHeap), typeof(LockedHeap), typeof(PerThreadHeap), typeof(ScratchArena) };

    private static Assembly ThisAssembly => typeof(CompiledWithoutUnsafeTests).Assembly;

    [Fact]
    public void TheProjectSetsAllowUnsafeBlocksToFalse()
    {
        AssemblyMetadataAttribute setting = Assert.Single(
            ThisAssembly.GetCustomAttributes<AssemblyMetadataAttribute>(), a => a.Key == "AllowUnsafeBlocks");

        Assert.Equal("false", setting.Value, ignoreCase: true);
    }

    [Fact]
    public void TheCompilerDidNotMarkTheModuleAsUnverifiable()
    {
        // The C# compiler puts [module: UnverifiableCode] on every module it compiles with /unsafe.
        Assert.Empty(ThisAssembly.ManifestModule.GetCustomAttributes<UnverifiableCodeAttribute>());

        // The check can fail: the runtime, compiled with unsafe code, has the mark.
        Assert.NotEmpty(typeof(IAllocator).Assembly.ManifestModule.GetCustomAttributes<UnverifiableCodeAttribute>());
    }

    [Theory]
    [MemberData(nameof(GeneratedTypes))]
    public void NoGeneratedMemberHasAPointerType(Type type)
    {
        var pointers = PointerMembers(type).ToList();

        Assert.True(pointers.Count == 0, string.Join(", ", pointers));
        Assert.NotEmpty(type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));
    }

    [Fact]
    public void TheReflectionFindsPointersWhereThereAreSome()
    {
        // The runtime's heap, compiled with unsafe code, has pointer members: the walk above would see them.
        Assert.NotEmpty(PointerMembers(typeof(IAllocator)));
    }

    [Theory]
    [InlineData(typeof(SingleHeap))]
    [InlineData(typeof(LockedHeap))]
    [InlineData(typeof(PerThreadHeap))]
    public void APoolHeapIsNoIAllocatorButHasOne(Type type)
    {
        Assert.False(typeof(IAllocator).IsAssignableFrom(type));
        Assert.True(typeof(IDisposable).IsAssignableFrom(type));
        Assert.Equal(typeof(IAllocator), type.GetProperty("Allocator")!.PropertyType);
        Assert.Null(type.GetMethod("Allocate", BindingFlags.Public | BindingFlags.Instance));
        Assert.Null(type.GetMethod("Free", BindingFlags.Public | BindingFlags.Instance));
    }

    [Fact]
    public void TheArenaHasRentSpanButNoRawAllocation()
    {
        Assert.NotNull(typeof(ScratchArena).GetMethod("RentSpan"));
        Assert.Null(typeof(ScratchArena).GetMethod("AllocateSpan"));
        Assert.Null(typeof(ScratchArena).GetMethod("Allocate"));
    }

    /// <summary>Every field, property, parameter and return of <paramref name="type"/> and its nested types whose type is a pointer.</summary>
    private static IEnumerable<string> PointerMembers(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (FieldInfo field in type.GetFields(all).Where(f => IsPointer(f.FieldType)))
        {
            yield return type.Name + "." + field.Name;
        }

        foreach (PropertyInfo property in type.GetProperties(all).Where(p => IsPointer(p.PropertyType)))
        {
            yield return type.Name + "." + property.Name;
        }

        foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if ((method is MethodInfo m && IsPointer(m.ReturnType)) || method.GetParameters().Any(p => IsPointer(p.ParameterType)))
            {
                yield return type.Name + "." + method.Name;
            }
        }

        foreach (Type nested in type.GetNestedTypes(all))
        {
            foreach (string member in PointerMembers(nested))
            {
                yield return member;
            }
        }
    }

    private static bool IsPointer(Type type) =>
        type.IsPointer || type.IsFunctionPointer || (type.HasElementType && IsPointer(type.GetElementType()!));
}
