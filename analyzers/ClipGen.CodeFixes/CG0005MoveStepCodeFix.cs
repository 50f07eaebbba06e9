using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

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

    protected override IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic)
    {
        if (MoveTargets.Find(input.Root, diagnostic) is not ({ } step, { } backward) || !StatementEditing.CanInsertAfter(backward))
        {
            yield break;
        }

        yield return new FixPlan("Move the step after backward()", Key, new SyntaxNode[] { step, backward }, editor =>
        {
            StatementEditing.Remove(editor, step);
            StatementEditing.InsertAfter(editor, backward, StatementEditing.MovedCopy(step, backward));
        });
    }
}
