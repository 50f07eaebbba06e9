using System.Composition;
using System.Globalization;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0001: inserts <c>torch.nn.utils.clip_grad_norm_(&lt;params&gt;, &lt;max_norm&gt;);</c> — or
/// <c>ClipGen.GradClip.ClipGradNorm(…)</c> when the runtime is referenced — right before the step, so it runs exactly
/// when the step does (an embedded <c>if (c) step();</c> becomes a block: the clip never runs on a micro-batch the
/// step skips). <c>&lt;params&gt;</c> is the model's <c>parameters()</c> when the diagnostic names it (the optimizer's
/// construction, or the one model in scope), else <c>optimizer.parameters()</c>: what that optimizer steps, whatever
/// the models in scope, for any receiver (local, parameter, field, property, a base-class or another object's member,
/// static). <c>&lt;max_norm&gt;</c> comes from <c>.editorconfig</c> <c>clipgen.default_max_norm</c> (default 1.0).
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0001AddClippingCodeFix)), Shared]
public sealed class CG0001AddClippingCodeFix : ClipGenCodeFixProvider
{
    public const string TorchSharpKey = "CG0001.ClipGradNorm.TorchSharp";
    public const string GradClipKey = "CG0001.ClipGradNorm.GradClip";
    public const string MaxNormOption = "clipgen.default_max_norm";

    private const string TorchSharpClip = "TorchSharp.torch.nn.utils.clip_grad_norm_";
    private const string GradClipClip = "ClipGen.GradClip.ClipGradNorm";

    public CG0001AddClippingCodeFix()
        : base(Descriptors.CG0001_MissingClipping)
    {
    }

    protected override IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic)
    {
        if (TorchSymbols.For(input.Model.Compilation) is not { } symbols
            || StepAt(input, diagnostic, symbols) is not { } step
            || Anchor(input, step, symbols) is not { } anchor)
        {
            yield break;
        }

        string maxNorm = MaxNorm(input.Document, input.Root.SyntaxTree);
        var variants = new List<(string Title, string Key, string Function)>
        {
            ("Clip gradients with torch.nn.utils.clip_grad_norm_ before the step", TorchSharpKey, TorchSharpClip),
        };
        if (symbols.GradClip is not null)
        {
            variants.Add(("Clip gradients with ClipGen.GradClip.ClipGradNorm before the step", GradClipKey, GradClipClip));
        }

        foreach ((string title, string key, string function) in variants)
        {
            if (ParametersCandidates(input, diagnostic, step, symbols)
                    .Select(p => Clip(function, p, maxNorm, anchor))
                    .FirstOrDefault(c => Binds(input.Model, anchor, c)) is { } clip)
            {
                yield return new FixPlan(title, key, new SyntaxNode[] { anchor }, editor => StatementEditing.InsertBefore(editor, anchor, clip));
            }
        }
    }

    /// <summary><c>clipgen.default_max_norm</c> as a C# literal when it is a positive finite number; 1.0 otherwise.</summary>
    internal static string MaxNorm(Document document, SyntaxTree tree)
    {
        if (document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(MaxNormOption, out string? text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && value > 0 && !double.IsInfinity(value))
        {
            return CSharpText.DoubleLiteral(value);
        }

        return "1.0";
    }

    private static IInvocationOperation? StepAt(FixInput input, Diagnostic diagnostic, TorchSymbols symbols) =>
        input.Root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax syntax
        && input.Model.GetOperation(syntax) is IInvocationOperation step && symbols.Classify(step) == TrainingCallKind.Step
            ? step
            : null;

    /// <summary>
    /// The statement to put the clip before: the one holding the step, when the step is its first training call and
    /// runs whenever the statement does (not under <c>?.</c>, <c>&amp;&amp;</c>, <c>?:</c> or in a nested function).
    /// </summary>
    private static StatementSyntax? Anchor(FixInput input, IInvocationOperation step, TorchSymbols symbols)
    {
        StatementSyntax? statement = null;
        for (SyntaxNode? node = step.Syntax.Parent; node is not null && statement is null; node = node.Parent)
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or ConditionalAccessExpressionSyntax
                    or ConditionalExpressionSyntax or SwitchExpressionSyntax:
                    return null;
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.LogicalAndExpression) || binary.IsKind(SyntaxKind.LogicalOrExpression)
                    || binary.IsKind(SyntaxKind.CoalesceExpression):
                    return null;
                case ExpressionStatementSyntax or LocalDeclarationStatementSyntax or ReturnStatementSyntax or YieldStatementSyntax:
                    statement = (StatementSyntax)node;
                    break;
                case StatementSyntax:
                    return null;
            }
        }

        if (statement is null || !StatementEditing.CanInsertBefore(statement))
        {
            return null;
        }

        // Another training call evaluated in the same statement (`Backward(x).step()`-like chains) would be moved
        // across by inserting before the statement.
        bool othersInside = statement.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Any(i => i != step.Syntax && input.Model.GetOperation(i) is IInvocationOperation other && symbols.Classify(other) != TrainingCallKind.None);
        return othersInside ? null : statement;
    }

    /// <summary>The model's parameters named by the diagnostic (never a loss's), then the optimizer's own.</summary>
    private static IEnumerable<string> ParametersCandidates(FixInput input, Diagnostic diagnostic, IInvocationOperation step, TorchSymbols symbols)
    {
        if (diagnostic.Properties.TryGetValue(DiagnosticProperties.Parameters, out string? parameters) && !string.IsNullOrEmpty(parameters)
            && !OfALoss(input.Model, step.Syntax.SpanStart, parameters!, symbols))
        {
            yield return parameters!;
        }

        if (step.Instance is { } receiver && IsRepeatable(receiver.Syntax) && symbols.IsOptimizer(receiver.Type))
        {
            yield return receiver.Syntax.WithoutTrivia().ToString() + ".parameters()";
        }
    }

    /// <summary><c>criterion.parameters()</c>: a loss derives from <c>nn.Module</c> but is never the model to clip.</summary>
    private static bool OfALoss(SemanticModel model, int position, string parameters, TorchSymbols symbols) =>
        SyntaxFactory.ParseExpression(parameters) is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access }
        && symbols.IsLoss(model.GetSpeculativeTypeInfo(position, access.Expression, SpeculativeBindingOption.BindAsExpression).Type);

    /// <summary>An expression that reads the same object when evaluated again: names, member accesses, <c>this</c>, <c>base</c>.</summary>
    private static bool IsRepeatable(SyntaxNode expression) => expression switch
    {
        IdentifierNameSyntax or ThisExpressionSyntax or BaseExpressionSyntax => true,
        MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression) => IsRepeatable(access.Expression),
        ParenthesizedExpressionSyntax parenthesized => IsRepeatable(parenthesized.Expression),
        _ => false,
    };

    private static StatementSyntax Clip(string function, string parameters, string maxNorm, StatementSyntax anchor)
    {
        var clip = (ExpressionStatementSyntax)StatementEditing.NewStatement($"{function}({parameters}, {maxNorm});", anchor);
        var invocation = (InvocationExpressionSyntax)clip.Expression;
        return clip.ReplaceNode(invocation.Expression, invocation.Expression.WithAdditionalAnnotations(Simplifier.Annotation));
    }

    /// <summary>The clip binds where it is inserted (no compilation: speculative binding on the document's model).</summary>
    private static bool Binds(SemanticModel model, StatementSyntax anchor, StatementSyntax clip) =>
        model.TryGetSpeculativeSemanticModel(anchor.SpanStart, clip, out SemanticModel? speculative)
        && clip is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax invocation }
        && speculative.GetSymbolInfo(invocation).Symbol is IMethodSymbol
        && invocation.ArgumentList.Arguments.All(a => speculative.GetTypeInfo(a.Expression).Type is { TypeKind: not TypeKind.Error });
}
