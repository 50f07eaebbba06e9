using System.Globalization;
using System.Text;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Host;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.CodeFixes.Refactorings;

/// <summary>
/// Rewrites a matched <see cref="TrainStepLoop"/>: the run of train-step statements becomes
/// <c>var loss = TrainStep(…);</c>, a <c>[ClipGradNorm]</c> partial declaration (and, for form 2, the extracted
/// <c>Compute…Loss</c> method) goes after the member holding the loop, and the containing types become partial.
/// The result is kept only if the generator's own parser accepts the new declaration and the file still binds.
/// </summary>
internal static class TrainStepRewrite
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string MissingImplementation = "CS8795";
    private static readonly SyntaxAnnotation StepAnnotation = new("ClipGen.TrainStep");

    public static SyntaxNode? Create(Document document, SyntaxNode root, SemanticModel model, TrainStepLoop loop, TorchSymbols symbols, CancellationToken cancellationToken)
    {
        string maxNorm = loop.MaxNorm is { } constant ? CSharpText.DoubleLiteral(constant) : CG0001AddClippingCodeFix.MaxNorm(document, root.SyntaxTree);
        SolutionServices services = document.Project.Solution.Services;
        return Form1(services, root, model, loop, symbols, maxNorm, cancellationToken) is { } form1 && Accepted(form1, root, model, cancellationToken)
            ? form1
            : Form2(services, root, model, loop, symbols, maxNorm, cancellationToken) is { } form2 && Accepted(form2, root, model, cancellationToken)
                ? form2
                : null;
    }

    /// <summary><c>var loss = criterion.call(model.call(a, …), b);</c> with a member criterion: the step takes (a, …, b).</summary>
    private static SyntaxNode? Form1(SolutionServices services, SyntaxNode root, SemanticModel model, TrainStepLoop loop, TorchSymbols symbols, string maxNorm, CancellationToken cancellationToken)
    {
        var members = new TrainStepMembers(loop.TypeSymbol, loop.IsStatic, model.Compilation);
        if (loop.LossStatements.Length != 1 || loop.LossDeclarator.Initializer is not { } initializer
            || model.GetOperation(initializer.Value, cancellationToken) is not IInvocationOperation lossCall || !symbols.IsModuleCall(lossCall)
            || Member(lossCall.Instance, members) is not { } criterion || !symbols.IsLoss(TrainStepMembers.TypeOf(criterion))
            || lossCall.Arguments.Length != 2
            || OperationWalk.WithoutImplicitConversions(lossCall.Arguments[0].Value) is not IInvocationOperation forward || !symbols.IsModuleCall(forward)
            || !SymbolEqualityComparer.Default.Equals(Member(forward.Instance, members), loop.Model))
        {
            return null;
        }

        var inputs = forward.Arguments.Where(a => a.ArgumentKind == ArgumentKind.Explicit).Select(a => a.Value)
            .Append(lossCall.Arguments[1].Value).Select(v => OperationWalk.WithoutImplicitConversions(v) switch
            {
                ILocalReferenceOperation local => (ISymbol)local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            }).ToList();
        if (inputs.Any(i => i is null) || inputs.Distinct(SymbolEqualityComparer.Default).Count() != inputs.Count
            || forward.Arguments.Any(a => a.ArgumentKind != ArgumentKind.Explicit))
        {
            return null;
        }

        string? loss = members.OfKind(symbols.IsLoss).Count == 1 ? null : criterion.Name;
        return Rewrite(services, root, model, loop, symbols, members, maxNorm, inputs!, loss, lossMethod: null, cancellationToken);
    }

    /// <summary>Any loss of the loop's locals: extracted into <c>Compute…Loss(locals)</c> and named with <c>Loss = nameof(…)</c>.</summary>
    private static SyntaxNode? Form2(SolutionServices services, SyntaxNode root, SemanticModel model, TrainStepLoop loop, TorchSymbols symbols, string maxNorm, CancellationToken cancellationToken)
    {
        var members = new TrainStepMembers(loop.TypeSymbol, loop.IsStatic, model.Compilation);
        DataFlowAnalysis? flow = model.AnalyzeDataFlow(loop.LossStatements[0], loop.LossStatements[loop.LossStatements.Length - 1]);
        if (flow is null || !flow.Succeeded)
        {
            return null;
        }

        var declared = new HashSet<ISymbol>(flow.VariablesDeclared, SymbolEqualityComparer.Default);
        var inputs = flow.ReadInside
            .Where(s => !declared.Contains(s) && !(s is IParameterSymbol { IsThis: true }))
            .OrderBy(s => FirstUse(s, loop, model, cancellationToken))
            .ToList();
        bool unsafeInput = inputs.Any(s => s switch
        {
            ILocalSymbol local => local.IsRef || local.Type.IsRefLikeType || local.Type.IsAnonymousType || local.IsConst,
            IParameterSymbol parameter => parameter.Type.IsRefLikeType,
            _ => true,
        });
        if (unsafeInput || flow.WrittenInside.Any(s => !declared.Contains(s)) || flow.UnsafeAddressTaken.Any()
            || inputs.Any(s => s is IParameterSymbol p && p.RefKind == RefKind.Out))
        {
            return null;
        }

        string name = UniqueName(loop, model, "Compute" + Pascal(loop.Model.Name) + "Loss", null);
        string indent = Indentation(loop.Member), unit = IndentUnit(loop);
        string parameters = Parameters(inputs);
        string modifiers = loop.IsStatic ? "private static " : "private ";
        var text = new StringBuilder();
        text.Append(modifiers).Append(Tensor).Append(' ').Append(name).Append('(').Append(parameters).Append(')');
        if (loop.LossStatements.Length == 1 && loop.LossStatements[0].Declaration.Variables.Count == 1
            && loop.LossDeclarator.Initializer is { } initializer)
        {
            text.Append(" => ").Append(initializer.Value.WithoutTrivia().ToFullString()).Append(';');
        }
        else
        {
            text.Append('\n').Append(indent).Append("{\n");
            foreach (LocalDeclarationStatementSyntax statement in loop.LossStatements)
            {
                text.Append(indent).Append(unit).Append(statement.WithoutTrivia().ToFullString()).Append('\n');
            }

            text.Append(indent).Append(unit).Append("return ").Append(loop.LossDeclarator.Identifier.Text).Append(";\n")
                .Append(indent).Append('}');
        }

        return Rewrite(services, root, model, loop, symbols, members, maxNorm, inputs, name, text.ToString(), cancellationToken);
    }

    private static SyntaxNode? Rewrite(
        SolutionServices services, SyntaxNode root, SemanticModel model, TrainStepLoop loop, TorchSymbols symbols, TrainStepMembers members,
        string maxNorm, List<ISymbol> inputs, string? loss, string? lossMethod, CancellationToken cancellationToken)
    {
        string step = UniqueName(loop, model, "TrainStep", loss);
        var options = new List<string> { maxNorm };
        if (loop.NormType != 2.0)
        {
            options.Add("NormType = " + CSharpText.DoubleLiteral(loop.NormType));
        }

        if (!IsOnly(members.OfKind(symbols.IsModel), loop.Model))
        {
            options.Add($"Model = nameof({CSharpText.Identifier(loop.Model.Name)})");
        }

        if (!IsOnly(members.OfKind(symbols.IsOptimizer), loop.Optimizer))
        {
            options.Add($"Optimizer = nameof({CSharpText.Identifier(loop.Optimizer.Name)})");
        }

        if (loss is not null)
        {
            options.Add($"Loss = nameof({CSharpText.Identifier(loss)})");
        }

        string indent = Indentation(loop.Member);
        SyntaxTrivia eol = EndOfLine(loop.Member);
        var newMembers = new List<MemberDeclarationSyntax>();
        if (lossMethod is not null && SyntaxFactory.ParseMemberDeclaration(lossMethod.Replace("\n", eol.ToFullString())) is { } extracted)
        {
            newMembers.Add(extracted);
        }

        string declaration = $"[global::ClipGen.ClipGradNorm({string.Join(", ", options)})]{eol.ToFullString()}{indent}"
            + $"private {(loop.IsStatic ? "static " : "")}partial {Tensor} {step}({Parameters(inputs)});";
        if (SyntaxFactory.ParseMemberDeclaration(declaration) is not { } partialStep)
        {
            return null;
        }

        newMembers.Add(partialStep.WithAdditionalAnnotations(StepAnnotation));
        newMembers = newMembers
            .Select(m => m.WithLeadingTrivia(eol, SyntaxFactory.Whitespace(indent)).WithTrailingTrivia(eol))
            .ToList();

        // The run of train-step statements collapses into one declaration of the same loss local.
        SyntaxList<StatementSyntax> statements = loop.Body.Statements;
        LocalDeclarationStatementSyntax lossStatement = loop.LossStatement;
        VariableDeclaratorSyntax declarator = loop.LossDeclarator.WithInitializer(SyntaxFactory.EqualsValueClause(
            SyntaxFactory.ParseExpression($"{step}({string.Join(", ", inputs.Select(i => CSharpText.Identifier(i.Name)))})")
                .WithLeadingTrivia(SyntaxFactory.Space)));
        StatementSyntax call = lossStatement
            .WithDeclaration(lossStatement.Declaration.WithVariables(SyntaxFactory.SingletonSeparatedList(declarator)))
            .WithLeadingTrivia(statements[loop.First].GetLeadingTrivia())
            .WithTrailingTrivia(statements[loop.Last].GetTrailingTrivia());
        var kept = new List<StatementSyntax>();
        for (int i = 0; i < statements.Count; i++)
        {
            if (i == loop.First)
            {
                kept.Add(call);
            }
            else if (i < loop.First || i > loop.Last)
            {
                kept.Add(statements[i]);
            }
        }

        var editor = new SyntaxEditor(root, services);
        editor.ReplaceNode(loop.Body, loop.Body.WithStatements(SyntaxFactory.List(kept)));
        editor.InsertAfter(loop.Member, newMembers);
        foreach (TypeDeclarationSyntax type in loop.Member.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                editor.ReplaceNode(type, (current, _) => MakePartial((TypeDeclarationSyntax)current));
            }
        }

        return editor.GetChangedRoot();
    }

    /// <summary>The generator's parser accepts the new declaration, and nothing else in the type stops binding.</summary>
    private static bool Accepted(SyntaxNode newRoot, SyntaxNode oldRoot, SemanticModel oldModel, CancellationToken cancellationToken)
    {
        SyntaxTree oldTree = oldRoot.SyntaxTree;
        SyntaxTree newTree = oldTree.WithRootAndOptions(newRoot, oldTree.Options);
        Compilation compilation = oldModel.Compilation.ReplaceSyntaxTree(oldTree, newTree);
        SyntaxNode root = newTree.GetRoot(cancellationToken);
        if (root.GetAnnotatedNodes(StepAnnotation).OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } declaration
            || TorchSymbols.For(compilation) is not { } symbols)
        {
            return false;
        }

        SemanticModel model = compilation.GetSemanticModel(newTree);
        if (model.GetDeclaredSymbol(declaration, cancellationToken) is not IMethodSymbol method
            || method.GetAttributes().FirstOrDefault(a => TrainStepAttributes.KindOf(a, symbols) is not null) is not { } attribute)
        {
            return false;
        }

        var problems = new List<Diagnostic>();
        if (TrainStepParser.Parse(method, attribute, compilation, TrainStepDiagnostics.Collecting(problems), cancellationToken) is null || problems.Count > 0)
        {
            return false;
        }

        return declaration.Ancestors().OfType<TypeDeclarationSyntax>().LastOrDefault() is { } type
            && !model.GetDiagnostics(type.Span, cancellationToken)
                .Any(d => d.Severity == DiagnosticSeverity.Error && d.Id != MissingImplementation);
    }

    /// <summary>Whether the generator, looking by type, finds exactly <paramref name="member"/>.</summary>
    private static bool IsOnly(List<ISymbol> candidates, ISymbol member) =>
        candidates.Count == 1 && SymbolEqualityComparer.Default.Equals(candidates[0], member);

    private static TypeDeclarationSyntax MakePartial(TypeDeclarationSyntax type)
    {
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count == 0)
        {
            return type.WithKeyword(type.Keyword.WithLeadingTrivia())
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(type.Keyword.LeadingTrivia)));
        }

        return type.WithModifiers(type.Modifiers.Add(partial));
    }

    private static ISymbol? Member(IOperation? operation, TrainStepMembers members) =>
        OperationWalk.WithoutImplicitConversions(operation) is IMemberReferenceOperation { Member: var member } reference
        && (reference.Instance is null ? member.IsStatic : reference.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
        && members.Named(member.Name) is { } found && SymbolEqualityComparer.Default.Equals(found, member)
            ? found
            : null;

    private static int FirstUse(ISymbol symbol, TrainStepLoop loop, SemanticModel model, CancellationToken cancellationToken) =>
        loop.LossStatements.SelectMany(s => s.DescendantNodes().OfType<IdentifierNameSyntax>())
            .Where(i => i.Identifier.ValueText == symbol.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i, cancellationToken).Symbol, symbol))
            .Select(i => i.SpanStart)
            .DefaultIfEmpty(int.MaxValue)
            .First();

    private static string Parameters(IEnumerable<ISymbol> inputs) =>
        string.Join(", ", inputs.Select(i =>
            (i is ILocalSymbol local ? local.Type : ((IParameterSymbol)i).Type).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + " " + CSharpText.Identifier(i.Name)));

    /// <summary><paramref name="preferred"/>, or with 2, 3, … appended, unused by the type, its bases and the loop's scope.</summary>
    private static string UniqueName(TrainStepLoop loop, SemanticModel model, string preferred, string? alsoTaken)
    {
        string name = preferred;
        for (int i = 2; TrainStepMembers.IsNameTaken(loop.TypeSymbol, name) || name == alsoTaken
            || !model.LookupSymbols(loop.Body.SpanStart, name: name).IsEmpty; i++)
        {
            name = preferred + i.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }

    private static string Pascal(string name)
    {
        string trimmed = name.TrimStart('_');
        return trimmed.Length == 0 ? "Model" : char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1);
    }



    private static string Indentation(SyntaxNode node)
    {
        SyntaxTriviaList leading = node.GetLeadingTrivia();
        return leading.Count > 0 && leading.Last().IsKind(SyntaxKind.WhitespaceTrivia) ? leading.Last().ToFullString() : "";
    }

    /// <summary>One indentation level, as the member's own body uses it.</summary>
    private static string IndentUnit(TrainStepLoop loop)
    {
        string member = Indentation(loop.Member);
        string inner = loop.Member.Body?.Statements.FirstOrDefault() is { } first ? Indentation(first) : member + "    ";
        return inner.Length > member.Length && inner.StartsWith(member, StringComparison.Ordinal) ? inner.Substring(member.Length) : "    ";
    }

    private static SyntaxTrivia EndOfLine(SyntaxNode node)
    {
        SyntaxTrivia eol = node.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : SyntaxFactory.EndOfLine("\n");
    }
}
