using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Flow;

/// <summary>
/// Where an optimizer comes from: the parameters it was built on (<c>optim.Adam(model.parameters(), …)</c>) and
/// whether the model trained is recurrent or attention-based (<see cref="ModelStructure"/>). Looked up only for reported steps.
/// </summary>
internal sealed class OptimizerOrigin
{
    private OptimizerOrigin(string? parametersText, bool recurrent)
    {
        ParametersText = parametersText;
        Recurrent = recurrent;
    }

    /// <summary>Source text of the parameters to clip, valid at the step; null when unknown.</summary>
    public string? ParametersText { get; }

    /// <summary>The model is LSTM/GRU/RNN/Transformer*/MultiheadAttention or visibly contains one.</summary>
    public bool Recurrent { get; }

    /// <param name="model">The semantic model of the step's tree (CFG operations carry none).</param>
    public static OptimizerOrigin Find(OptimizerFlow optimizer, IInvocationOperation step, SemanticModel? model, TorchSymbols symbols, ModelStructure structure, Compilation compilation)
    {
        IOperation? created = OperationWalk.WithoutConversions(AssignedValue(optimizer.Symbol, compilation));
        IOperation? parameters = created switch
        {
            IInvocationOperation invocation => FirstArgument(invocation.Arguments),
            IObjectCreationOperation creation => FirstArgument(creation.Arguments),
            _ => null,
        };

        string? text = null;
        bool recurrent = false;
        if (parameters is not null && symbols.DerivesFromEnumerableOfTensor(parameters.Type) && InScope(parameters, step))
        {
            text = parameters.Syntax.ToString();
        }

        if (OperationWalk.WithoutConversions(parameters) is IInvocationOperation call && symbols.IsModuleParameters(call))
        {
            recurrent = IsRecurrentModel(OperationWalk.WithoutConversions(call.Instance), structure, compilation);
        }

        if (text is null && model is not null)
        {
            ISymbol[] models = model.LookupSymbols(step.Syntax.SpanStart)
                .Where(s => s is ILocalSymbol or IParameterSymbol or IFieldSymbol or IPropertySymbol && symbols.IsModule(TypeOf(s)))
                .Where(s => !s.IsImplicitlyDeclared)
                .ToArray();
            if (models.Length == 1)
            {
                text = models[0].Name + ".parameters()";
                recurrent |= structure.IsRecurrent(TypeOf(models[0])) || structure.CreatesRecurrent(AssignedValue(models[0], compilation));
            }
        }

        return new OptimizerOrigin(text, recurrent);
    }

    private static bool IsRecurrentModel(IOperation? model, ModelStructure structure, Compilation compilation)
    {
        if (model is null)
        {
            return false;
        }

        if (structure.IsRecurrent(model.Type))
        {
            return true;
        }

        ISymbol? symbol = model switch
        {
            ILocalReferenceOperation local => local.Local,
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            _ => null,
        };
        return structure.CreatesRecurrent(AssignedValue(symbol, compilation));
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    private static IOperation? FirstArgument(IEnumerable<IArgumentOperation> arguments) =>
        arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;

    /// <summary>The parameters expression can be pasted at the step: it is in the same body, or uses no locals/parameters.</summary>
    private static bool InScope(IOperation parameters, IInvocationOperation step)
    {
        if (parameters.Syntax.SyntaxTree == step.Syntax.SyntaxTree)
        {
            SyntaxNode? body = step.Syntax.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
            if (body is not null && body.Span.Contains(parameters.Syntax.Span) && parameters.Syntax.SpanStart < step.Syntax.SpanStart)
            {
                return true;
            }
        }

        return !parameters.DescendantsAndSelf().Any(o => o is ILocalReferenceOperation or IParameterReferenceOperation);
    }

    /// <summary>The value a local, field or property is initialized or assigned with (first found).</summary>
    private static IOperation? AssignedValue(ISymbol? symbol, Compilation compilation)
    {
        if (symbol is not (ILocalSymbol or IFieldSymbol or IPropertySymbol))
        {
            return null;
        }

        foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
        {
            SyntaxNode syntax = reference.GetSyntax();
            EqualsValueClauseSyntax? initializer = syntax switch
            {
                VariableDeclaratorSyntax declarator => declarator.Initializer,
                PropertyDeclarationSyntax property => property.Initializer,
                _ => null,
            };
            if (initializer is not null && ModelOf(syntax, compilation)?.GetOperation(initializer.Value) is { } value)
            {
                return value;
            }
        }

        // Assigned later: in the declaring body (locals) or in the containing type (fields, properties).
        IEnumerable<SyntaxNode> scopes = symbol is ILocalSymbol
            ? symbol.DeclaringSyntaxReferences.Select(r => r.GetSyntax().Ancestors().FirstOrDefault(a => a is BlockSyntax or CompilationUnitSyntax)).OfType<SyntaxNode>()
            : symbol.ContainingType.DeclaringSyntaxReferences.Select(r => r.GetSyntax());
        foreach (SyntaxNode scope in scopes)
        {
            foreach (AssignmentExpressionSyntax assignment in scope.DescendantNodes().OfType<AssignmentExpressionSyntax>())
            {
                if (LastName(assignment.Left) != symbol.Name)
                {
                    continue;
                }

                if (ModelOf(assignment, compilation)?.GetOperation(assignment) is ISimpleAssignmentOperation op
                    && SymbolEqualityComparer.Default.Equals(ReferencedSymbol(op.Target), symbol))
                {
                    return op.Value;
                }
            }
        }

        return null;
    }

    private static string? LastName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        _ => null,
    };

    private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IFieldReferenceOperation field => field.Field.OriginalDefinition,
        IPropertyReferenceOperation property => property.Property.OriginalDefinition,
        _ => null,
    };

    private static SemanticModel? ModelOf(SyntaxNode syntax, Compilation compilation)
    {
        if (!compilation.ContainsSyntaxTree(syntax.SyntaxTree))
        {
            return null;
        }

        // Only for reported steps; the analyzer driver caches semantic models per tree.
#pragma warning disable RS1030 // Do not invoke Compilation.GetSemanticModel() method within a diagnostic analyzer
        return compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
    }
}
