using System;
using System.Collections.Generic;
using System.Linq;

namespace ClipGen;

/// <summary>One gradient named by a <see cref="NonFiniteGradientException"/>.</summary>
/// <param name="Index">The parameter's position in the sequence passed to the clipping call.</param>
/// <param name="Name">The parameter's name when known (module extension methods use <c>named_parameters</c>), else null.</param>
/// <param name="Shape">The gradient's shape.</param>
/// <param name="Norm">The gradient's own p-norm <c>‖g‖ₚ</c> (NaN or ±∞).</param>
public sealed record NonFiniteGradient(int Index, string? Name, IReadOnlyList<long> Shape, double Norm)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"parameters[{Index}]{(Name is null ? "" : $" '{Name}'")} shape [{string.Join(", ", Shape)}] norm {Internal.Check.Format(Norm)}";
}

/// <summary>
/// Thrown by clipping with <see cref="NonFinitePolicy.Throw"/> (or <c>errorIfNonFinite: true</c>) when the total
/// gradient norm is NaN or infinite. Every gradient is left exactly as it was.
/// </summary>
public sealed class NonFiniteGradientException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="totalNorm">The non-finite total norm.</param>
    /// <param name="normType">The p of the norm.</param>
    /// <param name="offenders">The gradients whose own norm is not finite.</param>
    public NonFiniteGradientException(double totalNorm, double normType, IReadOnlyList<NonFiniteGradient> offenders)
        : base(BuildMessage(totalNorm, normType, offenders))
    {
        TotalNorm = totalNorm;
        NormType = normType;
        Offenders = offenders;
    }

    /// <summary>The total norm that was NaN or infinite.</summary>
    public double TotalNorm { get; }

    /// <summary>The p of the norm.</summary>
    public double NormType { get; }

    /// <summary>The gradients whose own norm is NaN or infinite (their values, or their squares, overflowed).</summary>
    public IReadOnlyList<NonFiniteGradient> Offenders { get; }

    private static string BuildMessage(double total, double p, IReadOnlyList<NonFiniteGradient> offenders)
    {
        string list = offenders.Count == 0 ? "(no single gradient's norm is non-finite: the total overflowed)"
            : string.Join("; ", offenders.Take(10).Select(o => o.ToString())) + (offenders.Count > 10 ? $"; and {offenders.Count - 10} more" : "");
        return $"The total gradient norm (p = {Internal.Check.Format(p)}) is {Internal.Check.Format(total)}. Non-finite gradients: {list}. " +
               "The gradients were left unchanged; skip optimizer.step() for this batch or find the cause (learning rate, loss scale, bad data).";
    }
}
