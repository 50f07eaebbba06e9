using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ClipGen.Analyzers.Rules;

/// <summary>
/// CG0006: constant clipping arguments that are invalid (max_norm or clip_value &lt; 0 or NaN, norm_type ≤ 0 or NaN) or
/// that stop learning (max_norm or clip_value = 0: accepted, as by PyTorch, but every gradient becomes 0).
/// </summary>
internal sealed class CG0006InvalidClippingArgumentRule : ITrainingRule
{
    /// <summary>The one wording of the 0 case, shared with the train-step attributes (TrainStepArguments).</summary>
    public const string ZeroesEveryGradient = "it zeroes every gradient: no learning (use a positive threshold)";

    public DiagnosticDescriptor Descriptor => Descriptors.CG0006_InvalidClippingArgument;

    public void Report(TrainingFlow flow, RuleContext context)
    {
        foreach (IInvocationOperation call in flow.ClipCalls)
        {
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Parameter is null)
                {
                    continue;
                }

                ClipArgumentKind kind = TorchSymbols.ClassifyClipParameter(argument.Parameter);
                if (kind == ClipArgumentKind.None || !TryGetDouble(argument.Value, out double value))
                {
                    continue;
                }

                string? problem = kind switch
                {
                    ClipArgumentKind.MaxNorm when value == 0 => ZeroesEveryGradient,
                    ClipArgumentKind.MaxNorm when double.IsNaN(value) => "it must be ≥ 0 and not NaN: NaN turns every gradient into NaN",
                    ClipArgumentKind.MaxNorm when value < 0 => "it must be ≥ 0: a negative max_norm flips gradient signs (pytorch#31367)",
                    ClipArgumentKind.NormType when double.IsNaN(value) || value <= 0 =>
                        "the norm type must be positive (or double.PositiveInfinity for the max norm)",
                    ClipArgumentKind.ClipValue when value == 0 => ZeroesEveryGradient,
                    ClipArgumentKind.ClipValue when double.IsNaN(value) || value < 0 =>
                        "it must be ≥ 0 and not NaN: gradients are clamped to [-clip_value, clip_value]",
                    _ => null,
                };

                if (problem is not null)
                {
                    context.Report(Diagnostic.Create(
                        Descriptor,
                        argument.Syntax.GetLocation(),
                        argument.Parameter.Name,
                        double.IsNaN(value) ? "NaN" : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                        problem));
                }
            }
        }
    }

    private static bool TryGetDouble(IOperation value, out double result)
    {
        result = 0;
        Optional<object?> constant = value.ConstantValue;
        if (!constant.HasValue || constant.Value is null or bool or string or char)
        {
            return false;
        }

        try
        {
            result = Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            return false;
        }
    }
}
