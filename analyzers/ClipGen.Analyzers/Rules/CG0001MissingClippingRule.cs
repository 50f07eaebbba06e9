using System.Collections.Immutable;
using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>CG0001: a step reached from a backward() with no clipping on some path between them.</summary>
internal sealed class CG0001MissingClippingRule : ITrainingRule
{
    public DiagnosticDescriptor Descriptor => Descriptors.CG0001_MissingClipping;

    /// <summary>The .editorconfig key for CG0001's severity on recurrent/attention models.</summary>
    public const string RecurrentSeverityOption = "clipgen.CG0001.recurrent_severity";

    private const string SomePathNote = " on some path";
    private const string RecurrentNote = " (the model is recurrent/attention-based: its gradients are prone to explode)";

    public void Report(TrainingFlow flow, RuleContext context)
    {
        foreach (StepFact step in flow.Steps)
        {
            if (!step.UnclippedBackwardReaches || ClipMisplacedAfter(flow, step))
            {
                continue;
            }

            OptimizerFlow optimizer = flow.Optimizers[step.Optimizer];
            OptimizerOrigin origin = OptimizerOrigin.Find(optimizer, step.Step, flow.Root.SemanticModel, context.Symbols, context.Models, context.Compilation);
            ImmutableDictionary<string, string?> properties = origin.ParametersText is null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.Parameters, origin.ParametersText);

            context.Report(Diagnostic.Create(
                Descriptor,
                step.Step.Syntax.GetLocation(),
                origin.Recurrent ? RecurrentSeverity(context, step) : Descriptor.DefaultSeverity,
                additionalLocations: null,
                properties,
                optimizer.DisplayName,
                (step.ClippedOnSomePath ? SomePathNote : string.Empty) + (origin.Recurrent ? RecurrentNote : string.Empty)));
        }
    }

    /// <summary>
    /// <c>clipgen.CG0001.recurrent_severity</c> (error, warning, suggestion/info, silent/hidden, none = the default
    /// Info): the level for recurrent/attention models; Warning when unset or not one of those.
    /// </summary>
    private static DiagnosticSeverity RecurrentSeverity(RuleContext context, StepFact step)
    {
        if (!context.Options.AnalyzerConfigOptionsProvider.GetOptions(step.Step.Syntax.SyntaxTree).TryGetValue(RecurrentSeverityOption, out string? value))
        {
            return DiagnosticSeverity.Warning;
        }

        return value.Trim().ToLowerInvariant() switch
        {
            "error" => DiagnosticSeverity.Error,
            "suggestion" or "info" or "none" => DiagnosticSeverity.Info,
            "silent" or "hidden" => DiagnosticSeverity.Hidden,
            _ => DiagnosticSeverity.Warning,
        };
    }

    /// <summary>
    /// The step's clip is written after it (CG0004 reports that clip, and its fix moves it before the step):
    /// reporting the step too would offer a fix that inserts a second clip.
    /// </summary>
    private static bool ClipMisplacedAfter(TrainingFlow flow, StepFact step) =>
        step.ClipsAfter.Any(after => flow.Clips.Any(clip => clip.Clip == after && !clip.PendingBackwardReaches));
}
