using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Finds the model, optimizer and loss among the fields and properties a train step can use: its own
/// type's (any accessibility) and its base types' accessible ones, a derived member hiding a base one.
/// </summary>
internal sealed class TrainStepMembers
{
    private readonly INamedTypeSymbol _type;
    private readonly List<ISymbol> _members = new();

    public TrainStepMembers(INamedTypeSymbol type, bool staticOnly, Compilation compilation)
    {
        _type = type;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                bool usable = member switch
                {
                    IFieldSymbol field => !field.IsImplicitlyDeclared,
                    IPropertySymbol property => !property.IsIndexer && property.GetMethod is not null,
                    _ => false,
                };
                if (!usable || !member.CanBeReferencedByName || (staticOnly && !member.IsStatic) || !seen.Add(member.Name))
                {
                    continue;
                }

                if (!ReferenceEquals(t, type) && !compilation.IsSymbolAccessibleWithin(member, type))
                {
                    continue;
                }

                _members.Add(member);
            }
        }
    }

    public static ITypeSymbol TypeOf(ISymbol member) => member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;

    /// <summary>The field or property called <paramref name="name"/>, or null.</summary>
    public ISymbol? Named(string name) => _members.FirstOrDefault(m => m.Name == name);

    /// <summary>Every member whose type satisfies <paramref name="isKind"/>, in declaration order.</summary>
    public List<ISymbol> OfKind(Func<ITypeSymbol, bool> isKind) => _members.Where(m => isKind(TypeOf(m))).ToList();

    /// <summary>
    /// The loss method overloads called <paramref name="name"/> that take exactly the step's parameter
    /// types and return a Tensor, searched through the base types like the fields.
    /// </summary>
    public List<IMethodSymbol> LossMethods(string name, IMethodSymbol step, TorchSymbols symbols, Compilation compilation)
    {
        var matches = new List<IMethodSymbol>();
        for (INamedTypeSymbol? t = _type; t is not null && matches.Count == 0; t = t.BaseType)
        {
            foreach (IMethodSymbol method in t.GetMembers(name).OfType<IMethodSymbol>())
            {
                if (method.MethodKind == MethodKind.Ordinary && !method.IsGenericMethod &&
                    (!step.IsStatic || method.IsStatic) &&
                    SymbolEqualityComparer.Default.Equals(method.ReturnType, symbols.Tensor) &&
                    SameParameterTypes(method, step) &&
                    (ReferenceEquals(t, _type) || compilation.IsSymbolAccessibleWithin(method, _type)))
                {
                    matches.Add(method);
                }
            }
        }

        return matches;
    }

    /// <summary>Whether any field, property or method of the type or its bases is called <paramref name="name"/>.</summary>
    public static bool IsNameTaken(INamedTypeSymbol type, string name)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (!t.GetMembers(name).IsEmpty)
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameParameterTypes(IMethodSymbol method, IMethodSymbol step)
    {
        if (method.Parameters.Length != step.Parameters.Length)
        {
            return false;
        }

        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol p = method.Parameters[i];
            if (p.RefKind is not (RefKind.None or RefKind.In) ||
                !SymbolEqualityComparer.Default.Equals(p.Type, step.Parameters[i].Type))
            {
                return false;
            }
        }

        return true;
    }
}
