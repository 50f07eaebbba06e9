using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0002: a zero_grad() (or a clearing by hand: <c>p.grad = null</c>, <c>p.grad.zero_()</c>/<c>Dispose()</c>, a helper
/// that does so without stepping) clears gradients of a backward() before the step consumes them — directly
/// (backward; zero_grad; step) or through a back-edge (zero_grad every iteration, step every k).
/// Reported at the zero_grad, with the step as additional location (the fix moves the zero_grad after it).
/// </summary>
internal sealed class CG0002ZeroGradBetweenBackwardAndStepRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0002_ZeroGradBetweenBackwardAndStep;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        var reported = new HashSet<SyntaxNode>();
        foreach (StepFact step in flow.Steps)
        {
            if (step.RunsBeforeBackward)
            {
                // CG0005 reports this step: the cleared gradients are a consequence of the misplaced step.
                continue;
            }

            foreach (IOperation zeroGrad in step.ClearingZeroGrads)
            {
                if (!reported.Add(zeroGrad.Syntax))
                {
                    continue;
                }

                SyntaxNode clearing = SyntaxNavigation.WithConditionalReceiver(zeroGrad.Syntax);
                context.Report(Diagnostic.Create(
                    Descriptor,
                    clearing.GetLocation(),
                    new[] { step.Step.Syntax.GetLocation() },
                    clearing.ToString(),
                    flow.Optimizers[step.Optimizer].DisplayName));
            }
        }
    }
}
