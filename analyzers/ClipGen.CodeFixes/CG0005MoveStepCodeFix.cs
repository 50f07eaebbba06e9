using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>CG0005: moves the step right after the sibling statement that calls backward() (the additional location).</summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0005MoveStepCodeFix)), Shared]
public sealed class CG0005MoveStepCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0005.MoveStepAfterBackward";

    public CG0005MoveStepCodeFix()
        : base(Descriptors.CG0005_StepBeforeBackward)
    {
    }

    protected override IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic)
    {
        if (MoveTargets.Find(root, diagnostic) is not null)
        {
            yield return ("Move the step after backward()", Key);
        }
    }

    protected override IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key)
    {
        if (MoveTargets.Find(root, diagnostic) is not ({ } step, { } backward))
        {
            return null;
        }

        StatementEditing.Remove(editor, step);
        return StatementEditing.InsertAfter(editor, backward, StatementEditing.MovedCopy(step, backward)) ? new SyntaxNode[] { step, backward } : null;
    }
}
