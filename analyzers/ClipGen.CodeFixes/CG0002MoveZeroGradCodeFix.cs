using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0002: moves the zero_grad() right after the step it starved (the diagnostic's additional location). That is
/// "after step()" in a plain loop and keeps accumulation intact when the step runs every k iterations.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0002MoveZeroGradCodeFix)), Shared]
public sealed class CG0002MoveZeroGradCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0002.MoveZeroGradAfterStep";

    public CG0002MoveZeroGradCodeFix()
        : base(Descriptors.CG0002_ZeroGradBetweenBackwardAndStep)
    {
    }

    protected override IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (Targets(root, diagnostic) is not null)
        {
            yield return ("Move zero_grad() right after the step", Key);
        }
    }

    protected override IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key)
    {
        if (Targets(root, diagnostic) is not ({ } zeroGrad, { } step))
        {
            return null;
        }

        StatementEditing.Remove(editor, zeroGrad);
        return StatementEditing.InsertAfter(editor, step, StatementEditing.MovedCopy(zeroGrad, step)) ? new SyntaxNode[] { zeroGrad, step } : null;
    }

    private static (StatementSyntax ZeroGrad, StatementSyntax Step)? Targets(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count != 1
            || StatementEditing.OwnStatementAt(root, diagnostic.Location) is not { } zeroGrad || !StatementEditing.InList(zeroGrad)
            || StatementEditing.OwnStatementAt(root, diagnostic.AdditionalLocations[0]) is not { } step
            || zeroGrad.Span.IntersectsWith(step.Span))
        {
            return null;
        }

        return (zeroGrad, step);
    }
}
