using System.Linq;
using AllocGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace AllocGen.Generators.Parsing;

/// <summary>Reads the allocator type a [Domain] names (its <c>typeof</c> argument) into values.</summary>
internal static class DomainAllocatorReader
{
    /// <summary>What the generated code needs of the type, or why it cannot serve a domain (for AG0033).</summary>
    public sealed record Result(string DisplayName, DomainAllocatorSpec? Allocator, string? Problem);

    private static readonly string[] s_calledMembers = ["Allocate", "AllocateZeroed", "Reallocate", "Free"];

    public static Result Read(object? typeArgument, Compilation compilation)
    {
        if (typeArgument is not ITypeSymbol type)
        {
            return new Result("null", null, "no type is given");
        }

        string display = type.ToDisplayString();
        // No accessibility check: a type that typeof in the attribute can name, the class's own members can reach.
        string? problem = ProblemOf(type, compilation, out AttributeData? pool);
        if (problem is not null)
        {
            return new Result(display, null, problem);
        }

        INamedTypeSymbol named = (INamedTypeSymbol)type;
        var allocator = new DomainAllocatorSpec(
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            display,
            named.TypeKind == TypeKind.Struct,
            pool is not null || CallsDirectly(named, compilation),
            ThreadSafetyOf(named, pool));
        return new Result(display, allocator, null);
    }

    private static string? ProblemOf(ITypeSymbol type, Compilation compilation, out AttributeData? pool)
    {
        pool = null;
        if (type is not INamedTypeSymbol named || named.TypeKind is not (TypeKind.Class or TypeKind.Struct or TypeKind.Interface))
        {
            return "it is not a class or struct";
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return "it is an interface";
        }

        if (named.IsStatic)
        {
            return "it is static";
        }

        if (named.IsAbstract)
        {
            return "it is abstract";
        }

        if (named.IsUnboundGenericType)
        {
            return "it is an open generic type";
        }

        if (named.IsRefLikeType)
        {
            return "it is a ref struct, which a static field cannot hold";
        }

        // A [PoolAllocator] type implements IAllocator in its generated part, which this compilation does not have yet.
        pool = AttributeReader.FindAttribute(named, KnownNames.PoolAllocatorAttribute);
        INamedTypeSymbol? allocatorInterface = compilation.GetTypeByMetadataName(KnownNames.IAllocator);
        if (pool is null && (allocatorInterface is null || !named.AllInterfaces.Contains(allocatorInterface, SymbolEqualityComparer.Default)))
        {
            return "it does not implement AllocGen.IAllocator";
        }

        if (named.TypeKind == TypeKind.Class && !named.InstanceConstructors.Any(c => c.Parameters.IsEmpty && c.DeclaredAccessibility == Accessibility.Public))
        {
            return "it has no public parameterless constructor";
        }

        return null;
    }

    /// <summary>
    /// Whether the methods the generated fast paths call are public methods of the type (not explicit or default
    /// interface implementations), so that calling them on the concrete type compiles and binds to them.
    /// </summary>
    private static bool CallsDirectly(INamedTypeSymbol type, Compilation compilation)
    {
        INamedTypeSymbol? allocatorInterface = compilation.GetTypeByMetadataName(KnownNames.IAllocator);
        if (allocatorInterface is null)
        {
            return false;
        }

        foreach (string name in s_calledMembers)
        {
            foreach (IMethodSymbol member in allocatorInterface.GetMembers(name).OfType<IMethodSymbol>())
            {
                if (type.FindImplementationForInterfaceMember(member) is not IMethodSymbol { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Public } implementation
                    || implementation.ContainingType.TypeKind == TypeKind.Interface)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static AllocatorThreadSafety ThreadSafetyOf(INamedTypeSymbol type, AttributeData? pool)
    {
        if (pool is not null)
        {
            int threading = AttributeReader.Named(pool, "Threading", (int)ThreadPolicy.SingleThreaded);
            return threading == (int)ThreadPolicy.SingleThreaded ? AllocatorThreadSafety.SingleThreaded
                : PoolAllocatorParser.IsDefined(threading) ? AllocatorThreadSafety.ThreadSafe
                : AllocatorThreadSafety.Unknown;
        }

        return type.ToDisplayString() == KnownNames.SystemAllocator ? AllocatorThreadSafety.ThreadSafe : AllocatorThreadSafety.Unknown;
    }
}
