using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0005: a step that no backward() of the same iteration reaches, followed by a backward() in that iteration.
/// When the step is a statement followed by a sibling statement holding the backward(), that statement is the
/// additional location (the fix moves the step right after it).
/// </summary>
internal sealed class CG0005StepBeforeBackwardRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0005_StepBeforeBackward;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        foreach (StepFact step in flow.Steps)
        {
            if (!step.RunsBeforeBackward)
            {
                continue;
            }

            StatementSyntax? target = BackwardAfter(flow, step);
            context.Report(Diagnostic.Create(
                Descriptor,
                step.Step.Syntax.GetLocation(),
                target is null ? null : new[] { target.GetLocation() },
                flow.Optimizers[step.Optimizer].DisplayName));
        }
    }

    private static StatementSyntax? BackwardAfter(TrainingFlow flow, StepFact step)
    {
        if (SyntaxNavigation.OwnStatement(step.Step.Syntax) is not { } statement)
        {
            return null;
        }

        (IReadOnlyList<StatementSyntax> siblings, int index) = SyntaxNavigation.Siblings(statement);
        if (index < 0)
        {
            return null;
        }

        IEnumerable<SyntaxNode> backwards = flow.Backwards.Select(b => b.Syntax);
        for (int i = index + 1; i < siblings.Count; i++)
        {
            if (SyntaxNavigation.ContainsAny(siblings[i], backwards))
            {
                return siblings[i];
            }
        }

        return null;
    }
}
