using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0007: a loop computes a loss and steps an optimizer, but no backward() runs anywhere in the body — every
/// backward commented out, say. Precision first: a body with any backward, a loop that may backprop where the flow
/// cannot see (see <see cref="LoopFact.MayBackprop"/>) or that computes no loss (a method that only steps, with
/// the backward in its caller) is not reported.
/// </summary>
internal sealed class CG0007StepWithoutBackwardRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0007_StepWithoutBackward;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        if (flow.HasBackward)
        {
            return;
        }

        var reported = new HashSet<SyntaxNode>();
        foreach (LoopFact loop in flow.Loops)
        {
            if (loop.HasBackward || !loop.ComputesLoss || loop.MayBackprop)
            {
                continue;
            }

            foreach ((int optimizer, var step) in loop.Steps)
            {
                if (reported.Add(step.Syntax))
                {
                    context.Report(Diagnostic.Create(Descriptor, step.Syntax.GetLocation(), flow.Optimizers[optimizer].DisplayName));
                }
            }
        }
    }
}
