using System.Collections.Immutable;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.CodeFixes.Refactorings;

/// <summary>
/// The train step found in a loop body: a contiguous run of direct statements made only of <c>zero_grad()</c>,
/// the local declarations computing the loss, <c>loss.backward()</c>, at most one norm clip and <c>step()</c>,
/// with the model and optimizer reached as members of the containing type. Null from <see cref="Match"/>
/// whenever replacing that run by a generated call could change what the loop does.
/// </summary>
internal sealed class TrainStepLoop
{
    private TrainStepLoop(
        BlockSyntax body, TypeDeclarationSyntax type, BaseMethodDeclarationSyntax member, INamedTypeSymbol typeSymbol, bool isStatic,
        int first, int last, ImmutableArray<LocalDeclarationStatementSyntax> lossStatements, VariableDeclaratorSyntax lossDeclarator,
        ISymbol model, ISymbol optimizer, double? maxNorm, double normType)
    {
        Body = body;
        Type = type;
        Member = member;
        TypeSymbol = typeSymbol;
        IsStatic = isStatic;
        First = first;
        Last = last;
        LossStatements = lossStatements;
        LossDeclarator = lossDeclarator;
        Model = model;
        Optimizer = optimizer;
        MaxNorm = maxNorm;
        NormType = normType;
    }

    public BlockSyntax Body { get; }
    public TypeDeclarationSyntax Type { get; }

    /// <summary>The member holding the loop; the new methods go right after it.</summary>
    public BaseMethodDeclarationSyntax Member { get; }
    public INamedTypeSymbol TypeSymbol { get; }
    public bool IsStatic { get; }

    /// <summary>Index in <see cref="Body"/> of the first and last statement of the train step.</summary>
    public int First { get; }
    public int Last { get; }

    /// <summary>The declarations computing the loss, in order; the last one declares the loss.</summary>
    public ImmutableArray<LocalDeclarationStatementSyntax> LossStatements { get; }
    public VariableDeclaratorSyntax LossDeclarator { get; }
    public LocalDeclarationStatementSyntax LossStatement => (LocalDeclarationStatementSyntax)LossDeclarator.Parent!.Parent!;
    public ISymbol Model { get; }
    public ISymbol Optimizer { get; }

    /// <summary>The constant threshold of the loop's own clip; null when it does not clip.</summary>
    public double? MaxNorm { get; }
    public double NormType { get; }

    public static TrainStepLoop? Match(StatementSyntax loop, SemanticModel model, TorchSymbols symbols, CancellationToken cancellationToken)
    {
        if (LoopSyntax.Body(loop) is not BlockSyntax body
            || loop.Ancestors().Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            || loop.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>() is not { } member
            || member.Parent is not TypeDeclarationSyntax type
            || type is not (ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax)
            || model.GetDeclaredSymbol(type, cancellationToken) is not INamedTypeSymbol typeSymbol
            || model.GetDiagnostics(loop.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return null;
        }

        bool isStatic = member.Modifiers.Any(SyntaxKind.StaticKeyword);
        var members = new TrainStepMembers(typeSymbol, isStatic, model.Compilation);

        // The train-step statements, by role; anything else gradient-related in the loop body disqualifies it.
        int zeroGrad = -1, backward = -1, clip = -1, step = -1;
        ISymbol? optimizer = null, clippedModel = null, lossLocal = null;
        double? maxNorm = null;
        double normType = 2.0;
        SyntaxList<StatementSyntax> statements = body.Statements;
        for (int i = 0; i < statements.Count; i++)
        {
            StatementSyntax statement = statements[i];
            var calls = statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
                .Select(s => model.GetOperation(s, cancellationToken) as IInvocationOperation)
                .Where(o => o is not null && symbols.Classify(o) != TrainingCallKind.None)
                .ToList();
            if (calls.Count == 0)
            {
                continue;
            }

            if (calls.Count != 1 || statement is not ExpressionStatementSyntax expression
                || model.GetOperation(expression.Expression, cancellationToken) != calls[0])
            {
                return null;
            }

            IInvocationOperation call = calls[0]!;
            switch (symbols.Classify(call))
            {
                case TrainingCallKind.OptimizerZeroGrad when zeroGrad < 0 && NoExplicitArguments(call):
                    zeroGrad = i;
                    optimizer = SameMember(optimizer, MemberOf(call.Instance, members));
                    break;
                case TrainingCallKind.Step when step < 0 && NoExplicitArguments(call):
                    step = i;
                    optimizer = SameMember(optimizer, MemberOf(call.Instance, members));
                    break;
                case TrainingCallKind.Backward when backward < 0 && NoExplicitArguments(call)
                    && call.Instance is ILocalReferenceOperation loss:
                    backward = i;
                    lossLocal = loss.Local;
                    break;
                case TrainingCallKind.Clip when clip < 0 && ReadClip(call, members, symbols, out clippedModel, out maxNorm, out normType):
                    clip = i;
                    break;
                default:
                    return null;
            }

            if (optimizer is null && (zeroGrad == i || step == i))
            {
                return null;
            }
        }

        if (zeroGrad < 0 || backward < 0 || step < 0 || lossLocal is null || optimizer is null
            || zeroGrad > backward || backward > step || (clip >= 0 && (clip < backward || clip > step))
            || !symbols.IsOptimizer(TrainStepMembers.TypeOf(optimizer)))
        {
            return null;
        }

        // Between the first train-step call and the step, only the declarations computing the loss may sit, before backward().
        int first = zeroGrad;
        while (first > 0 && statements[first - 1] is LocalDeclarationStatementSyntax)
        {
            first--;
        }

        var lossStatements = ImmutableArray.CreateBuilder<LocalDeclarationStatementSyntax>();
        for (int i = first; i <= step; i++)
        {
            if (i == zeroGrad || i == backward || i == clip || i == step)
            {
                continue;
            }

            if (i > backward || statements[i] is not LocalDeclarationStatementSyntax declaration)
            {
                return null;
            }

            lossStatements.Add(declaration);
        }

        // Declarations before zero_grad() that run no model (data preparation) stay where they are.
        while (lossStatements.Count > 0 && first < zeroGrad && !ForwardModels(lossStatements[0], model, symbols, cancellationToken).Any())
        {
            lossStatements.RemoveAt(0);
            first++;
        }

        if (lossStatements.Count == 0 || !Declares(lossStatements[lossStatements.Count - 1], lossLocal, model, cancellationToken)
            || lossStatements[lossStatements.Count - 1].Declaration.Variables.Count != 1
            || lossStatements.Any(s => s.UsingKeyword != default || s.IsConst || s.AwaitKeyword != default
                || s.Declaration.Type is RefTypeSyntax
                || s.DescendantNodes().Any(n => n is AwaitExpressionSyntax or StackAllocArrayCreationExpressionSyntax or ThrowExpressionSyntax)))
        {
            return null;
        }

        VariableDeclaratorSyntax lossDeclarator = lossStatements[lossStatements.Count - 1].Declaration.Variables[0];
        if (!SymbolEqualityComparer.Default.Equals((model.GetDeclaredSymbol(lossDeclarator, cancellationToken) as ILocalSymbol)?.Type, symbols.Tensor)
            || !OnlyLossEscapes(body, first, step, lossLocal, model, cancellationToken))
        {
            return null;
        }

        // The model clipped is the one the loop clips; without a clip, the one model member the loss runs.
        var forwardModels = lossStatements.SelectMany(s => ForwardModels(s, model, symbols, cancellationToken))
            .Select(r => MemberOf(r, members))
            .ToList();
        if (forwardModels.Any(m => m is null))
        {
            return null;
        }

        var distinct = forwardModels.Distinct(SymbolEqualityComparer.Default).ToList();
        ISymbol? trained = clip >= 0 ? clippedModel : distinct.Count == 1 ? distinct[0] : null;
        if (trained is null || distinct.Count == 0)
        {
            return null;
        }

        return new TrainStepLoop(body, type, member, typeSymbol, isStatic, first, step, lossStatements.ToImmutable(), lossDeclarator,
            trained, optimizer, clip >= 0 ? maxNorm : null, normType);
    }

    private static bool NoExplicitArguments(IInvocationOperation call) =>
        call.Arguments.All(a => a.ArgumentKind != ArgumentKind.Explicit || call.TargetMethod.IsExtensionMethod && a.Parameter?.Ordinal == 0);

    private static ISymbol? SameMember(ISymbol? known, ISymbol? found) =>
        found is null || (known is not null && !SymbolEqualityComparer.Default.Equals(known, found)) ? null : found;

    /// <summary>The field or property <paramref name="operation"/> reads through <c>this</c> (or statically), as the generator finds it; null otherwise.</summary>
    private static ISymbol? MemberOf(IOperation? operation, TrainStepMembers members)
    {
        operation = OperationWalk.WithoutImplicitConversions(operation);
        if (operation is not (IFieldReferenceOperation or IPropertyReferenceOperation) || operation is IPropertyReferenceOperation { Arguments.Length: > 0 })
        {
            return null;
        }

        var reference = (IMemberReferenceOperation)operation;
        bool throughThis = reference.Instance is null
            ? reference.Member.IsStatic
            : reference.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };
        return throughThis && members.Named(reference.Member.Name) is { } found
            && SymbolEqualityComparer.Default.Equals(found, reference.Member) ? found : null;
    }

    /// <summary>A norm clip of <c>member.parameters()</c> (or <c>member.ClipGradNorm(…)</c>) with constant thresholds and nothing else.</summary>
    private static bool ReadClip(IInvocationOperation call, TrainStepMembers members, TorchSymbols symbols, out ISymbol? clipped, out double? maxNorm, out double normType)
    {
        clipped = null;
        maxNorm = null;
        normType = 2.0;
        if (!TorchSymbols.IsNormClip(call.TargetMethod))
        {
            return false;
        }

        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter is not { } parameter)
            {
                return false;
            }

            if (parameter.Ordinal == 0)
            {
                clipped = MemberOf(call.TargetMethod.IsExtensionMethod ? argument.Value : ParametersReceiver(argument.Value, symbols), members);
                continue;
            }

            object? constant = argument.Value.ConstantValue.HasValue ? argument.Value.ConstantValue.Value : null;
            switch (TorchSymbols.ClassifyClipParameter(parameter))
            {
                case ClipArgumentKind.MaxNorm when constant is double or float or int or long:
                    maxNorm = Convert.ToDouble(constant, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case ClipArgumentKind.NormType when constant is double or float or int or long:
                    normType = Convert.ToDouble(constant, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case ClipArgumentKind.None when argument.ArgumentKind == ArgumentKind.DefaultValue || constant is false:
                    break;
                default:
                    return false;
            }
        }

        return clipped is not null && maxNorm is { } value && value >= 0 && !double.IsInfinity(value) && normType > 0;
    }

    /// <summary>The receiver of <c>receiver.parameters()</c> (default arguments only).</summary>
    private static IOperation? ParametersReceiver(IOperation value, TorchSymbols symbols)
    {
        return OperationWalk.WithoutConversions(value) is IInvocationOperation parameters && symbols.IsModuleParameters(parameters)
            && parameters.Arguments.All(a => a.ArgumentKind != ArgumentKind.Explicit)
            ? parameters.Instance
            : null;
    }

    private static bool Declares(LocalDeclarationStatementSyntax statement, ISymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        statement.Declaration.Variables.Any(v => SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(v, cancellationToken), local));

    /// <summary>The references to models (modules that are not losses) in <paramref name="statement"/>.</summary>
    private static IEnumerable<IMemberReferenceOperation> ForwardModels(StatementSyntax statement, SemanticModel model, TorchSymbols symbols, CancellationToken cancellationToken) =>
        statement.DescendantNodes()
            .Select(n => model.GetOperation(n, cancellationToken))
            .OfType<IMemberReferenceOperation>()
            .Where(r => r.Type is { } type && symbols.IsModel(type));

    /// <summary>No local declared in the run is used after it, except the loss itself (which the call keeps declaring).</summary>
    private static bool OnlyLossEscapes(BlockSyntax body, int first, int last, ISymbol loss, SemanticModel model, CancellationToken cancellationToken)
    {
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        for (int i = first; i <= last; i++)
        {
            foreach (SyntaxNode node in body.Statements[i].DescendantNodes())
            {
                if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                    && model.GetDeclaredSymbol(node, cancellationToken) is ILocalSymbol local && !SymbolEqualityComparer.Default.Equals(local, loss))
                {
                    declared.Add(local);
                }
            }
        }

        for (int i = last + 1; i < body.Statements.Count; i++)
        {
            foreach (IdentifierNameSyntax name in body.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(name, cancellationToken).Symbol is { } symbol && declared.Contains(symbol))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
