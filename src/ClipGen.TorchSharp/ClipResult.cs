namespace ClipGen;

/// <summary>What one clipping call measured and did.</summary>
/// <param name="TotalNorm">
/// The total gradient norm before clipping, <c>‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over the non-null gradients
/// (for value and adaptive clipping: the L2 norm). 0 when there are no gradients.
/// </param>
/// <param name="Coefficient">
/// The factor the gradients were multiplied by: <c>min(maxNorm / (TotalNorm + 1e-6), 1)</c> for norm
/// clipping; 1 when nothing was scaled (and for value/adaptive clipping, which do not scale uniformly).
/// </param>
/// <param name="Clipped">Whether clipping changed any gradient.</param>
/// <param name="NonFinite">Whether <paramref name="TotalNorm"/> was NaN or infinite.</param>
/// <param name="SkipStep">
/// Whether the caller should skip <c>optimizer.step()</c>: the gradients were not finite and the policy was
/// <see cref="NonFinitePolicy.SkipStep"/> (the gradients were then left unchanged).
/// </param>
public readonly record struct ClipResult(double TotalNorm, double Coefficient, bool Clipped, bool NonFinite, bool SkipStep)
{
    /// <summary>The result of a call that found no gradient: total 0, coefficient 1, nothing clipped.</summary>
    public static ClipResult None { get; } = new(0.0, 1.0, Clipped: false, NonFinite: false, SkipStep: false);

    /// <summary>A non-finite total stopped by <see cref="NonFinitePolicy.SkipStep"/>: gradients unchanged.</summary>
    internal static ClipResult Skipped(double total) => new(total, 1.0, Clipped: false, NonFinite: true, SkipStep: true);

    /// <summary>Norm clipping by <paramref name="coefficient"/> (clipped when it is below 1 or NaN).</summary>
    internal static ClipResult Scaled(double total, double coefficient) =>
        new(total, coefficient, Clipped: !(coefficient >= 1.0), NonFinite: !double.IsFinite(total), SkipStep: false);

    /// <summary>A clip that does not scale uniformly (value, adaptive): coefficient 1.</summary>
    internal static ClipResult Unscaled(double total, bool clipped) =>
        new(total, 1.0, Clipped: clipped, NonFinite: !double.IsFinite(total), SkipStep: false);
}
