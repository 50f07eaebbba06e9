using System.Collections.Immutable;

namespace ClipGen.Analyzers.Rules;

/// <summary>Every rule the training-loop analyzer runs, in report order; its supported diagnostics come from this list.</summary>
internal static class TrainingRules
{
    public static ImmutableArray<ITrainingRule> All { get; } = ImmutableArray.Create<ITrainingRule>(
        new CG0001MissingClippingRule(),
        new CG0002ZeroGradBetweenBackwardAndStepRule(),
        new CG0003GradientsNeverClearedRule(),
        new CG0004ClippingHasNoEffectRule(),
        new CG0005StepBeforeBackwardRule(),
        new CG0006InvalidClippingArgumentRule(),
        new CG0007StepWithoutBackwardRule());
}
