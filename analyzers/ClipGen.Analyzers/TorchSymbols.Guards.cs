using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers;

internal sealed partial class TorchSymbols
{
    private static readonly ImmutableHashSet<string> FloatingPointChecks = ImmutableHashSet.Create(
        "IsFinite", "IsNaN", "IsInfinity", "IsPositiveInfinity", "IsNegativeInfinity");

    private static readonly ImmutableHashSet<string> TensorChecks = ImmutableHashSet.Create(
        "isfinite", "isnan", "isinf", "isposinf", "isneginf");

    /// <summary>
    /// Whether <paramref name="operation"/> is a non-finite/skip fact: <c>ClipResult.SkipStep</c>/<c>NonFinite</c>,
    /// <c>GradNormRecord.SkipStep</c>/<c>NonFinite</c>, <c>TrainStepResult.StepSkipped</c>/<c>StepTaken</c>,
    /// <c>double</c>/<c>float</c> <c>IsFinite</c>/<c>IsNaN</c>/<c>IsInfinity</c>…, or TorchSharp's
    /// <c>isfinite</c>/<c>isnan</c>/<c>isinf</c>… (as a <c>Tensor</c> method or <c>torch.</c> function).
    /// A branch on such a fact is how ClipGen's documented loops skip a step on non-finite gradients.
    /// </summary>
    public bool IsNonFiniteFact(IOperation operation)
    {
        switch (operation)
        {
            case IPropertyReferenceOperation { Property: { } property }:
                INamedTypeSymbol? owner = property.ContainingType?.OriginalDefinition;
                return property.Name switch
                {
                    "SkipStep" or "NonFinite" => Is(owner, ClipResult) || Is(owner, GradNormRecord),
                    "StepSkipped" or "StepTaken" => Is(owner, TrainStepResult),
                    _ => false,
                };

            case IInvocationOperation { TargetMethod: { } method }:
                method = method.ReducedFrom ?? method;
                if (FloatingPointChecks.Contains(method.Name))
                {
                    return method.ContainingType?.SpecialType is SpecialType.System_Double or SpecialType.System_Single;
                }

                return TensorChecks.Contains(method.Name)
                    && (DerivesFrom(method.ContainingType, Tensor) || Is(method.ContainingType?.OriginalDefinition, Torch));

            default:
                return false;
        }
    }
}
