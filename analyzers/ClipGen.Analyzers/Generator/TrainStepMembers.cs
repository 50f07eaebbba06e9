using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Finds the model, optimizer and loss among the fields and properties a train step can use: its own
/// type's (any accessibility) and its base types' accessible ones, a derived member hiding a base one.
/// </summary>
internal sealed class TrainStepMembers
{
    private readonly INamedTypeSymbol _type;
    private readonly Compilation _compilation;
    private readonly List<ISymbol> _members = new();

    public TrainStepMembers(INamedTypeSymbol type, bool staticOnly, Compilation compilation)
    {
        _type = type;
        _compilation = compilation;
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

    /// <summary>
    /// Every member whose type satisfies <paramref name="isKind"/>, in declaration order, without the properties
    /// that only return one of the other candidates' fields (<c>public Module Model =&gt; model;</c>): they are
    /// the same object, so they make nothing ambiguous and the field is used.
    /// </summary>
    public List<ISymbol> OfKind(Func<ITypeSymbol, bool> isKind)
    {
        List<ISymbol> matches = _members.Where(m => isKind(TypeOf(m))).ToList();
        var fields = new HashSet<ISymbol>(matches.OfType<IFieldSymbol>(), SymbolEqualityComparer.Default);
        return matches.Where(m => !(m is IPropertySymbol property && ReturnedField(property) is { } field && fields.Contains(field))).ToList();
    }

    /// <summary>
    /// The field a property's getter only returns (<c>=&gt; f</c>, <c>=&gt; this.f</c>, <c>get =&gt; f;</c>,
    /// <c>get { return f; }</c>, optionally parenthesized or with <c>!</c>), when the field converts to the property's
    /// type by identity or reference (no user conversion that could make a new object); else null.
    /// </summary>
    private IFieldSymbol? ReturnedField(IPropertySymbol property)
    {
        if (property.DeclaringSyntaxReferences.Length != 1
            || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax declaration
            || FieldName(ReturnedExpression(declaration)) is not { } name)
        {
            return null;
        }

        for (INamedTypeSymbol? t = property.ContainingType; t is not null; t = t.BaseType)
        {
            if (t.GetMembers(name).FirstOrDefault() is { } member)
            {
                return member is IFieldSymbol field && field.IsStatic == property.IsStatic
                    && _compilation.ClassifyCommonConversion(field.Type, property.Type) is { Exists: true } conversion
                    && (conversion.IsIdentity || conversion.IsReference)
                    ? field
                    : null;
            }
        }

        return null;
    }

    private static ExpressionSyntax? ReturnedExpression(PropertyDeclarationSyntax declaration)
    {
        if (declaration.ExpressionBody is { } body)
        {
            return body.Expression;
        }

        AccessorDeclarationSyntax? getter = declaration.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
        if (getter?.ExpressionBody is { } expression)
        {
            return expression.Expression;
        }

        return getter?.Body is { Statements.Count: 1 } block && block.Statements[0] is ReturnStatementSyntax { Expression: { } returned }
            ? returned
            : null;
    }

    private static string? FieldName(ExpressionSyntax? expression)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    continue;
                case PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                    expression = suppressed.Operand;
                    continue;
                case IdentifierNameSyntax { Identifier.ValueText: var name } when name != "field":
                    // A bare `field` in an accessor is C# 14's backing-field keyword, not a member.
                    return name;
                case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax { Identifier.ValueText: var name } }
                    when expression.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    return name;
                default:
                    return null;
            }
        }
    }

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
