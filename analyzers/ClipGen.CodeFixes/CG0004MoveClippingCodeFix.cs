using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

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

    protected override IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (MoveTargets.Find(root, diagnostic) is ({ } clip, { } step) && !StatementEditing.UsesNamesDeclaredBetween(clip, clip, step))
        {
            yield return ("Move the clipping just before the step", Key);
        }
    }

    protected override IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key)
    {
        if (MoveTargets.Find(root, diagnostic) is not ({ } clip, { } step))
        {
            return null;
        }

        StatementEditing.Remove(editor, clip);
        StatementEditing.InsertBefore(editor, step, StatementEditing.MovedCopy(clip, step));
        return new SyntaxNode[] { clip, step };
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
            || moved.Parent != anchor.Parent || !StatementEditing.InList(moved))
        {
            return null;
        }

        return (moved, anchor);
    }
}
