using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// Whether a model is recurrent or attention-based, decided from its structure within the compilation: its
/// module fields and properties and their types transitively (base classes included), the concrete modules
/// assigned to fields typed as a base class, and custom modules computing <c>softmax(q·kᵀ)</c>. Cached per
/// compilation; only asked for reported steps (CG0001's severity).
/// </summary>
internal sealed class ModelStructure
{
    private readonly Compilation _compilation;
    private readonly TorchSymbols _symbols;
    private readonly ConcurrentDictionary<ITypeSymbol, bool> _cache = new(SymbolEqualityComparer.Default);

    public ModelStructure(Compilation compilation, TorchSymbols symbols)
    {
        _compilation = compilation;
        _symbols = symbols;
    }

    /// <summary>The type is, or (for a source module) contains, a recurrent or attention module.</summary>
    public bool IsRecurrent(ITypeSymbol? type) => type is not null && IsRecurrent(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));

    /// <summary>A value (a model's construction, what a field is assigned) creates a recurrent or attention module.</summary>
    public bool CreatesRecurrent(IOperation? value) => value is not null && CreatesRecurrent(value, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));

    private bool IsRecurrent(ITypeSymbol type, HashSet<ITypeSymbol> visiting)
    {
        if (_symbols.IsRecurrentOrAttention(type))
        {
            return true;
        }

        if (_cache.TryGetValue(type, out bool known))
        {
            return known;
        }

        if (!visiting.Add(type))
        {
            return false; // a cycle: decided by the outer visit
        }

        bool recurrent = false;
        for (INamedTypeSymbol? t = type as INamedTypeSymbol; t is not null && !recurrent && t.Locations.Any(l => l.IsInSource); t = t.BaseType)
        {
            recurrent = HasRecurrentMember(t, visiting) || ComputesAttention(t);
        }

        visiting.Remove(type);
        _cache.TryAdd(type, recurrent);
        return recurrent;
    }

    private bool HasRecurrentMember(INamedTypeSymbol type, HashSet<ITypeSymbol> visiting)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            ITypeSymbol? memberType = member switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            if (memberType is null || member.IsImplicitlyDeclared && member is not IFieldSymbol)
            {
                continue;
            }

            // Element types too: ModuleList<Block>, Block[], List<Block>.
            if (Components(memberType).Any(t => IsRecurrent(t, visiting)))
            {
                return true;
            }

            if (memberType.IsAbstract || memberType.TypeKind == TypeKind.Interface || _symbols.IsModule(memberType) && memberType.Locations.All(l => !l.IsInSource))
            {
                // Typed as a base (nn.Module<Tensor, Tensor>, an abstract Encoder): what it is assigned decides.
                if (AssignedValues(member).Any(v => CreatesRecurrent(v, visiting)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IEnumerable<ITypeSymbol> Components(ITypeSymbol type)
    {
        yield return type;
        if (type is IArrayTypeSymbol array)
        {
            yield return array.ElementType;
        }
        else if (type is INamedTypeSymbol { IsGenericType: true } generic)
        {
            foreach (ITypeSymbol argument in generic.TypeArguments)
            {
                yield return argument;
            }
        }
    }

    private bool CreatesRecurrent(IOperation value, HashSet<ITypeSymbol> visiting)
    {
        foreach (IOperation node in value.DescendantsAndSelf())
        {
            if (node.Type is { } created && (node is IObjectCreationOperation or IInvocationOperation) && IsRecurrent(created, visiting))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The initializer and the assignments (in the containing type's declarations) of a field or property.</summary>
    private IEnumerable<IOperation> AssignedValues(ISymbol member)
    {
        foreach (SyntaxReference reference in member.ContainingType.DeclaringSyntaxReferences)
        {
            SyntaxNode declaration = reference.GetSyntax();
            if (!_compilation.ContainsSyntaxTree(declaration.SyntaxTree))
            {
                continue;
            }

            SemanticModel? model = null;
            foreach (SyntaxNode node in declaration.DescendantNodes())
            {
                ExpressionSyntax? value = node switch
                {
                    VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == member.Name && declarator.Initializer is { } init => init.Value,
                    PropertyDeclarationSyntax property when property.Identifier.ValueText == member.Name && property.Initializer is { } init => init.Value,
                    AssignmentExpressionSyntax assignment when LastName(assignment.Left) == member.Name => assignment.Right,
                    _ => null,
                };
                if (value is null)
                {
                    continue;
                }

                // Only for reported steps; the analyzer driver caches semantic models per tree.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
                model ??= _compilation.GetSemanticModel(declaration.SyntaxTree);
#pragma warning restore RS1030
                if (model.GetOperation(value) is { } operation)
                {
                    yield return operation;
                }
            }
        }
    }

    private static string? LastName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>
    /// A hand-written attention: a method of the type calls softmax and multiplies by a transposed operand
    /// (<c>softmax(q.matmul(k.transpose(-2, -1)) / √d)</c>, <c>bmm</c>, <c>einsum</c>). Read from the names the
    /// method calls, so it also works while the module's own types do not bind.
    /// </summary>
    private static bool ComputesAttention(INamedTypeSymbol type)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            foreach (BaseMethodDeclarationSyntax method in reference.GetSyntax().DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                bool softmax = false, product = false, transposed = false;
                foreach (SyntaxToken token in method.DescendantTokens())
                {
                    if (!token.IsKind(SyntaxKind.IdentifierToken))
                    {
                        continue;
                    }

                    switch (token.ValueText)
                    {
                        case "softmax" or "Softmax":
                            softmax = true;
                            break;
                        case "matmul" or "bmm" or "mm":
                            product = true;
                            break;
                        case "einsum":
                            product = transposed = true;
                            break;
                        case "transpose" or "mT" or "t" or "permute" or "T":
                            transposed = true;
                            break;
                    }
                }

                if (softmax && product && transposed)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
