using System.Composition;
using ClipGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0005: moves the step right after the sibling statement that calls backward() (the additional location), and
/// after the clipping statements that directly follow it: the clip written between backward() and the old step's
/// next iteration stays between backward() and the step.
/// </summary>
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
        if (MoveTargets.Find(input.Root, diagnostic) is not ({ } step, { } backward) || TorchSymbols.For(input.Model.Compilation) is not { } symbols)
        {
            yield break;
        }

        StatementSyntax anchor = LastClipAfter(input, backward, symbols);
        if (!StatementEditing.CanInsertAfter(anchor))
        {
            yield break;
        }

        yield return new FixPlan("Move the step after backward()", Key, new SyntaxNode[] { step, anchor }, editor =>
        {
            StatementEditing.Remove(editor, step);
            StatementEditing.InsertAfter(editor, anchor, StatementEditing.MovedCopy(step, anchor));
        });
    }

    private static StatementSyntax LastClipAfter(FixInput input, StatementSyntax backward, TorchSymbols symbols)
    {
        (IReadOnlyList<StatementSyntax> siblings, int index) = SyntaxNavigation.Siblings(backward);
        StatementSyntax last = backward;
        for (int i = index + 1; index >= 0 && i < siblings.Count; i++)
        {
            if (siblings[i] is not ExpressionStatementSyntax { Expression: InvocationExpressionSyntax call }
                || input.Model.GetOperation(call) is not IInvocationOperation operation || symbols.Classify(operation) != TrainingCallKind.Clip)
            {
                break;
            }

            last = siblings[i];
        }

        return last;
    }
}
