using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0004: moves the clipping statement to just before the step (the diagnostic's additional location, a sibling
/// statement chosen by the rule). Not offered when the clip uses a variable declared in between.
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0004MoveClippingCodeFix)), Shared]
public sealed class CG0004MoveClippingCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0004.MoveClippingBeforeStep";

    public CG0004MoveClippingCodeFix()
        : base(Descriptors.CG0004_ClippingHasNoEffect)
    {
    }

    protected override IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic)
    {
        if (MoveTargets.Find(input.Root, diagnostic) is not ({ } clip, { } step) || StatementEditing.UsesNamesDeclaredBetween(clip, clip, step))
        {
            yield break;
        }

        yield return new FixPlan("Move the clipping just before the step", Key, new SyntaxNode[] { clip, step }, editor =>
        {
            StatementEditing.Remove(editor, clip);
            StatementEditing.InsertBefore(editor, step, StatementEditing.MovedCopy(clip, step));
        });
    }
}

/// <summary>The statement at the diagnostic and the sibling statement at its additional location.</summary>
internal static class MoveTargets
{
    public static (StatementSyntax Moved, StatementSyntax Anchor)? Find(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count != 1
            || StatementEditing.OwnStatementAt(root, diagnostic.Location) is not { } moved
            || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan) is not StatementSyntax anchor
            || moved.Parent != anchor.Parent || !StatementEditing.InList(moved) || moved == anchor)
        {
            return null;
        }

        return (moved, anchor);
    }
}
