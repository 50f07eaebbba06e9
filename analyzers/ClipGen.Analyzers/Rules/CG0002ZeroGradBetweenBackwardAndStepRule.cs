using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0002: a zero_grad() (or a clearing by hand: <c>p.grad = null</c>, <c>p.grad.zero_()</c>/<c>Dispose()</c>, a helper
/// that does so without stepping) clears gradients of a backward() before the step consumes them — directly
/// (backward; zero_grad; step) or through a back-edge (zero_grad every iteration, step every k).
/// Reported at the zero_grad, with the starved step as additional location (the fix moves the zero_grad after it):
/// a step outside the innermost loop holding the zero_grad (the accumulation boundary) before one inside it.
/// When the optimizer steps in several places (e.g. per micro-batch or at the boundary, by a flag), clearing after
/// one step lets the other accumulate: no fix is offered and the message says to clear after each step.
/// </summary>
internal sealed class CG0002ZeroGradBetweenBackwardAndStepRule : ITrainingRule
{
    private const string NoGradients = "the step uses no gradients";
    private const string LastMicroBatch = "the step uses only the gradients of the last micro-batch";

    public DiagnosticDescriptor Descriptor => Descriptors.CG0002_ZeroGradBetweenBackwardAndStep;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        // zero_grad → the steps it starves, in source order of the zero_grads (CG0005's steps excluded: the cleared
        // gradients are a consequence of the misplaced step).
        var starved = new Dictionary<SyntaxNode, (IOperation ZeroGrad, List<StepFact> Steps)>();
        foreach (StepFact step in flow.Steps.Where(s => !s.RunsBeforeBackward))
        {
            foreach (IOperation zeroGrad in step.ClearingZeroGrads)
            {
                if (!starved.TryGetValue(zeroGrad.Syntax, out var entry))
                {
                    starved[zeroGrad.Syntax] = entry = (zeroGrad, new List<StepFact>());
                }

                entry.Steps.Add(step);
            }
        }

        foreach ((IOperation zeroGrad, List<StepFact> steps) in starved.Values.OrderBy(v => v.ZeroGrad.Syntax.SpanStart))
        {
            StepFact step = Starved(flow, zeroGrad, steps);
            bool optimizerClear = zeroGrad is IInvocationOperation call && context.Symbols.Classify(call) == TrainingCallKind.OptimizerZeroGrad;
            int stepsItClears = flow.Steps.Count(s => !optimizerClear || s.Optimizer == step.Optimizer);
            string optimizer = flow.Optimizers[step.Optimizer].DisplayName;
            string consequence = BackwardBetween(flow, zeroGrad, step) ? LastMicroBatch : NoGradients;
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty;
            if (stepsItClears > 1)
            {
                consequence += $"; remove it and clear the gradients right after each '{optimizer}.step()' (it steps in {stepsItClears} places, so no single move is correct)";
                properties = properties.Add(DiagnosticProperties.NoFix, "several steps");
            }

            SyntaxNode clearing = SyntaxNavigation.WithConditionalReceiver(zeroGrad.Syntax);
            context.Report(Diagnostic.Create(
                Descriptor,
                clearing.GetLocation(),
                new[] { step.Step.Syntax.GetLocation() },
                properties,
                clearing.ToString(),
                optimizer,
                consequence));
        }
    }

    /// <summary>The step whose gradients the zero_grad really loses: one outside the innermost loop holding the zero_grad, else the first.</summary>
    private static StepFact Starved(TrainingFlow flow, IOperation zeroGrad, List<StepFact> steps)
    {
        SyntaxNode? loop = flow.Loops.Select(l => l.Loop.Syntax)
            .Where(l => l.SyntaxTree == zeroGrad.Syntax.SyntaxTree && l.Span.Contains(zeroGrad.Syntax.Span))
            .OrderBy(l => l.Span.Length)
            .FirstOrDefault();
        return steps.OrderBy(s => loop is not null && loop.Span.Contains(s.Step.Syntax.Span) ? 1 : 0)
            .ThenBy(s => s.Step.Syntax.SpanStart)
            .First();
    }

    /// <summary>
    /// A backward() runs between the clearing and the step: written between them, or the clearing comes after the step
    /// in the loop (it acts through the back-edge, before the next iteration's backward). The step then gets that
    /// backward's gradients only.
    /// </summary>
    private static bool BackwardBetween(TrainingFlow flow, IOperation zeroGrad, StepFact step) =>
        zeroGrad.Syntax.SpanStart > step.Step.Syntax.SpanStart
        || flow.Backwards.Any(b => b.Syntax.SyntaxTree == zeroGrad.Syntax.SyntaxTree
            && b.Syntax.SpanStart > zeroGrad.Syntax.Span.End && b.Syntax.SpanStart < step.Step.Syntax.SpanStart);
}
