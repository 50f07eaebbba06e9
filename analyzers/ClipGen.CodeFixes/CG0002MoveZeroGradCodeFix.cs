using System.Composition;
using ClipGen.Analyzers;
using ClipGen.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.CodeFixes;

/// <summary>
/// CG0002: moves the zero_grad() right after the step it starved (the diagnostic's additional location). That is
/// "after step()" in a plain loop and keeps accumulation intact when the step runs every k iterations. Not offered
/// when the rule says no move is correct (<see cref="DiagnosticProperties.NoFix"/>: the optimizer steps in several
/// places, e.g. under complementary accumulation flags, so clearing after one step lets the other accumulate).
/// </summary>
[ExportCodeFixProvider(Microsoft.CodeAnalysis.LanguageNames.CSharp, Name = nameof(CG0002MoveZeroGradCodeFix)), Shared]
public sealed class CG0002MoveZeroGradCodeFix : ClipGenCodeFixProvider
{
    public const string Key = "CG0002.MoveZeroGradAfterStep";

    public CG0002MoveZeroGradCodeFix()
        : base(Descriptors.CG0002_ZeroGradBetweenBackwardAndStep)
    {
    }

    protected override IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic)
    {
        if (diagnostic.Properties.ContainsKey(DiagnosticProperties.NoFix)
            || diagnostic.AdditionalLocations.Count != 1
            || StatementEditing.OwnStatementAt(input.Root, diagnostic.Location) is not { } zeroGrad || !StatementEditing.InList(zeroGrad)
            || StatementEditing.OwnStatementAt(input.Root, diagnostic.AdditionalLocations[0]) is not { } step
            || zeroGrad.Span.IntersectsWith(step.Span) || !StatementEditing.CanInsertAfter(step))
        {
            yield break;
        }

        yield return new FixPlan("Move zero_grad() right after the step", Key, new SyntaxNode[] { zeroGrad, step }, editor =>
        {
            StatementEditing.Remove(editor, zeroGrad);
            StatementEditing.InsertAfter(editor, step, StatementEditing.MovedCopy(zeroGrad, step));
        });
    }
}
