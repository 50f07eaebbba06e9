using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>CG0001: a step reached from a backward() with no clipping on some path between them.</summary>
internal sealed class CG0001MissingClippingRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0001_MissingClipping;

    private const string RecurrentNote = " (the model is recurrent/attention-based: its gradients are prone to explode)";

    public void Report(TrainingFlow flow, RuleContext context)
    {
        foreach (StepFact step in flow.Steps)
        {
            if (!step.UnclippedBackwardReaches)
            {
                continue;
            }

            OptimizerFlow optimizer = flow.Optimizers[step.Optimizer];
            OptimizerOrigin origin = OptimizerOrigin.Find(optimizer, step.Step, flow.Root.SemanticModel, context.Symbols, context.Compilation);
            ImmutableDictionary<string, string?> properties = origin.ParametersText is null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.Parameters, origin.ParametersText);

            context.Report(Diagnostic.Create(
                Descriptor,
                step.Step.Syntax.GetLocation(),
                origin.Recurrent ? DiagnosticSeverity.Warning : Descriptor.DefaultSeverity,
                additionalLocations: null,
                properties,
                optimizer.DisplayName,
                origin.Recurrent ? RecurrentNote : string.Empty));
        }
    }
}
