using System.Composition;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0003: clears the optimizer's gradients once per step. When the loop steps once per iteration (its one step is a
/// direct statement of the body, with no backward() after it), <c>optimizer.zero_grad();</c> goes first in the body;
/// otherwise (a conditional or accumulating step, several steps) it goes right after each step of that optimizer, so
/// accumulated micro-batches are kept until the step that consumes them.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0003InsertZeroGradCodeFix)), Shared]
public sealed class CG0003InsertZeroGradCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0003.InsertZeroGrad";

    public CG0003InsertZeroGradCodeFix()
        : base(Descriptors.CG0003_GradientsNeverCleared)
    {
    }

    protected override IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Optimizer, out string? optimizer) || string.IsNullOrEmpty(optimizer)
            || TorchSymbols.For(input.Model.Compilation) is not { } symbols
            || input.Root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is not StatementSyntax loop
            || LoopSyntax.Body(loop) is not BlockSyntax body
            || diagnostic.AdditionalLocations.Count != 1
            || Step(input, diagnostic.AdditionalLocations[0].SourceSpan, symbols) is not { } first)
        {
            yield break;
        }

        ISymbol? target = Receiver(first);
        List<IInvocationOperation> steps = body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<InvocationExpressionSyntax>()
            .Select(i => Step(input, i.Span, symbols))
            .OfType<IInvocationOperation>()
            .Where(s => target is not null && SymbolEqualityComparer.Default.Equals(Receiver(s), target))
            .ToList();
        if (steps.Count == 0 || target is null)
        {
            yield break;
        }

        string text = $"{optimizer}.zero_grad();";
        StatementSyntax? onlyStatement = steps.Count == 1 ? SyntaxNavigation.OwnStatement(steps[0].Syntax) : null;
        if (onlyStatement is not null && onlyStatement.Parent == body && !BackwardAfter(input, body, onlyStatement, symbols))
        {
            yield return new FixPlan($"Call {optimizer}.zero_grad() at the start of each iteration", Key, new SyntaxNode[] { body }, editor =>
            {
                if (body.Statements.Count > 0)
                {
                    StatementEditing.InsertBefore(editor, body.Statements[0], StatementEditing.NewStatement(text, body.Statements[0]));
                }
                else
                {
                    editor.ReplaceNode(body, (current, _) => ((BlockSyntax)current).AddStatements(SyntaxFactory.ParseStatement(text).WithAdditionalAnnotations(Formatter.Annotation)));
                }
            });
            yield break;
        }

        // Own statements only: `opt.step();` (an awaited or parenthesized step would need its await kept in place).
        var anchors = steps.Select(s => SyntaxNavigation.OwnStatement(s.Syntax, throughWrappers: false)).ToList();
        if (anchors.Any(a => a is null || !StatementEditing.CanInsertAfter(a)))
        {
            yield break;
        }

        yield return new FixPlan($"Call {optimizer}.zero_grad() right after each step", Key, anchors.Cast<SyntaxNode>().ToList(), editor =>
        {
            foreach (StatementSyntax anchor in anchors.OfType<StatementSyntax>())
            {
                StatementEditing.InsertAfter(editor, anchor, StatementEditing.NewStatement(text, anchor));
            }
        });
    }

    private static IInvocationOperation? Step(FixInput input, Microsoft.CodeAnalysis.Text.TextSpan span, TorchSymbols symbols) =>
        input.Root.FindNode(span, getInnermostNodeForTie: true) is InvocationExpressionSyntax syntax
        && input.Model.GetOperation(syntax) is IInvocationOperation step && symbols.Classify(step) == TrainingCallKind.Step
            ? step
            : null;

    private static ISymbol? Receiver(IInvocationOperation step) => OperationWalk.WithoutConversions(step.Instance) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation property => property.Property,
        _ => null,
    };

    /// <summary>A backward() after the step in the body: clearing at the top would discard its gradients.</summary>
    private static bool BackwardAfter(FixInput input, BlockSyntax body, StatementSyntax step, TorchSymbols symbols) =>
        body.Statements.Where(s => s.SpanStart > step.SpanStart)
            .SelectMany(s => s.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            .Any(i => input.Model.GetOperation(i) is IInvocationOperation call && symbols.Classify(call) == TrainingCallKind.Backward);
}
