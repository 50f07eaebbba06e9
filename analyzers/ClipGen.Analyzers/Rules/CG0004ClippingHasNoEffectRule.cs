using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0004: a clip that no pending backward() reaches, in a body that does backprop and step: it runs before
/// the gradients exist or after they were consumed. When the clip and the step are sibling statements, the
/// step's statement is the additional location (the fix moves the clip right before it).
/// </summary>
internal sealed class CG0004ClippingHasNoEffectRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0004_ClippingHasNoEffect;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        if (!flow.HasBackward || !flow.HasStep)
        {
            return;
        }

        foreach (ClipFact clip in flow.Clips)
        {
            if (clip.PendingBackwardReaches)
            {
                continue;
            }

            // Syntax decides between the two readings when the clip and the step are siblings; else the flow does.
            StatementSyntax? target = TargetStep(flow, clip, afterStep: false);
            bool afterStep = target is null && ((target = TargetStep(flow, clip, afterStep: true)) is not null || clip.StepReaches);
            context.Report(Diagnostic.Create(
                Descriptor,
                clip.Clip.Syntax.GetLocation(),
                target is null ? null : new[] { target.GetLocation() },
                afterStep ? "after 'step()' consumed the gradients" : "before 'backward()' has computed the gradients"));
        }
    }

    /// <summary>The sibling step statement to move the clip before: the previous one (after-step) or the next one after a backward (before-backward).</summary>
    private static StatementSyntax? TargetStep(TrainingFlow flow, ClipFact clip, bool afterStep)
    {
        if (SyntaxNavigation.OwnStatement(clip.Clip.Syntax) is not { } statement)
        {
            return null;
        }

        (IReadOnlyList<StatementSyntax> siblings, int index) = SyntaxNavigation.Siblings(statement);
        if (index < 0)
        {
            return null;
        }

        IEnumerable<SyntaxNode> steps = flow.Steps.Select(s => s.Step.Syntax);
        IEnumerable<SyntaxNode> backwards = flow.Backwards.Select(b => b.Syntax);
        if (afterStep)
        {
            for (int i = index - 1; i >= 0; i--)
            {
                if (SyntaxNavigation.ContainsAny(siblings[i], steps))
                {
                    return IsStepStatement(siblings[i], flow) ? siblings[i] : null;
                }
            }

            return null;
        }

        bool backwardSeen = false;
        for (int i = index + 1; i < siblings.Count; i++)
        {
            backwardSeen |= SyntaxNavigation.ContainsAny(siblings[i], backwards);
            if (SyntaxNavigation.ContainsAny(siblings[i], steps))
            {
                return backwardSeen && IsStepStatement(siblings[i], flow) ? siblings[i] : null;
            }
        }

        return null;
    }

    private static bool IsStepStatement(StatementSyntax statement, TrainingFlow flow) =>
        flow.Steps.Any(s => SyntaxNavigation.OwnStatement(s.Step.Syntax) == statement);
}
