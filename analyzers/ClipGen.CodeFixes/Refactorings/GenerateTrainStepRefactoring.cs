using System.Composition;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.CodeFixes.Refactorings;

/// <summary>
/// "Generate train step with [ClipGradNorm]": on a loop whose body is zero_grad → loss → backward → (clip) → step
/// over a member model and optimizer, replaces those statements with <c>var loss = TrainStep(…);</c> and declares
/// the <c>[ClipGradNorm]</c> partial method the ClipGen generator implements. Offered only when the loop's other
/// statements keep their meaning and the generator accepts the declaration.
/// </summary>
[ExportCodeRefactoringProvider(LanguageNames.CSharp, Name = nameof(GenerateTrainStepRefactoring)), Shared]
public sealed class GenerateTrainStepRefactoring : CodeRefactoringProvider
{
    public const string Title = "Generate train step with [ClipGradNorm]";
    public const string EquivalenceKey = "ClipGen.GenerateTrainStep";

    public override async Task ComputeRefactoringsAsync(CodeRefactoringContext context)
    {
        Document document = context.Document;
        CancellationToken cancellationToken = context.CancellationToken;
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || LoopAt(root, context.Span) is not { } loop)
        {
            return;
        }

        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || TorchSymbols.For(model.Compilation) is not { } symbols || symbols.ClipGradNormAttribute is null
            || TrainStepLoop.Match(loop, model, symbols, cancellationToken) is not { } match
            || TrainStepRewrite.Create(document, root, model, match, symbols, cancellationToken) is not { } newRoot)
        {
            return;
        }

        context.RegisterRefactoring(CodeAction.Create(Title, _ => Task.FromResult(document.WithSyntaxRoot(newRoot)), EquivalenceKey));
    }

    /// <summary>The loop whose keyword holds the caret, or whose body holds the (non-empty) selection.</summary>
    private static StatementSyntax? LoopAt(SyntaxNode root, TextSpan span)
    {
        // The caret may sit just after the keyword (`for|(`), where FindToken returns the next token.
        foreach (int position in span.IsEmpty && span.Start > 0 ? new[] { span.Start, span.Start - 1 } : new[] { span.Start })
        {
            SyntaxToken token = root.FindToken(position);
            if (token.Parent is StatementSyntax owner && LoopSyntax.IsLoop(owner) && token == owner.GetFirstToken()
                && token.Span.Start <= span.Start && span.End <= token.Span.End)
            {
                return owner;
            }
        }

        if (span.IsEmpty || span.End > root.FullSpan.End)
        {
            return null;
        }

        return root.FindNode(span).AncestorsAndSelf().OfType<StatementSyntax>()
            .FirstOrDefault(s => LoopSyntax.Body(s) is BlockSyntax body && body.Span.Contains(span) && body.Span != span);
    }
}
