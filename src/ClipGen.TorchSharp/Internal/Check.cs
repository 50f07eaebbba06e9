using System;

namespace ClipGen.Internal;

/// <summary>Argument checks shared by every clipping entry point; they run before any gradient is read or written.</summary>
internal static class Check
{
    internal static void MaxNorm(double maxNorm, string name = "maxNorm")
    {
        // Negative values flip gradient signs in PyTorch and TorchSharp (pytorch #31367): reject them.
        if (double.IsNaN(maxNorm) || maxNorm < 0)
            throw new ArgumentOutOfRangeException(name, maxNorm,
                $"{name} must be >= 0 and not NaN (got {Format(maxNorm)}); 0 zeroes every gradient, a negative value would flip gradient signs.");
    }

    internal static void NormType(double normType, string name = "normType")
    {
        if (double.IsNaN(normType) || normType <= 0)
            throw new ArgumentOutOfRangeException(name, normType,
                $"{name} must be > 0 or double.PositiveInfinity (got {Format(normType)}).");
    }

    internal static void ClipValue(double clipValue, string name = "clipValue")
    {
        if (double.IsNaN(clipValue) || clipValue < 0)
            throw new ArgumentOutOfRangeException(name, clipValue,
                $"{name} must be >= 0 and not NaN (got {Format(clipValue)}); gradients are clamped to [-{name}, {name}].");
    }

    internal static void Positive(double value, string name)
    {
        if (double.IsNaN(value) || value <= 0 || double.IsPositiveInfinity(value))
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be a finite number > 0 (got {Format(value)}).");
    }

    internal static void Policy(NonFinitePolicy policy, string name = "nonFinite")
    {
        if (policy is not (NonFinitePolicy.Propagate or NonFinitePolicy.Throw or NonFinitePolicy.SkipStep))
            throw new ArgumentOutOfRangeException(name, policy,
                $"{name} must be Propagate, Throw or SkipStep (got {(int)policy}).");
    }

    internal static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
