using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>CG0003: a loop that backprops and steps an optimizer but never clears its gradients (innermost such loop).</summary>
internal sealed class CG0003GradientsNeverClearedRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0003_GradientsNeverCleared;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        foreach (LoopFact loop in flow.Loops)
        {
            foreach (int optimizer in loop.Steps.Select(s => s.Optimizer).Distinct())
            {
                if (!Qualifies(loop, optimizer) || flow.Loops.Any(inner => inner != loop && Contains(loop, inner) && Qualifies(inner, optimizer)))
                {
                    continue;
                }

                var step = loop.Steps.First(s => s.Optimizer == optimizer).Step;
                string receiver = step.Instance?.Syntax.ToString() ?? flow.Optimizers[optimizer].DisplayName;
                context.Report(Diagnostic.Create(
                    Descriptor,
                    loop.Loop.Syntax.GetFirstToken().GetLocation(),
                    new[] { step.Syntax.GetLocation() },
                    ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.Optimizer, receiver),
                    flow.Optimizers[optimizer].DisplayName));
            }
        }
    }

    private static bool Qualifies(LoopFact loop, int optimizer) =>
        loop.HasBackward && loop.Steps.Any(s => s.Optimizer == optimizer) && !loop.Clears(optimizer);

    private static bool Contains(LoopFact outer, LoopFact inner) =>
        outer.Loop.Syntax.Span.Contains(inner.Loop.Syntax.Span) && outer.Loop.Syntax.Span != inner.Loop.Syntax.Span;
}
