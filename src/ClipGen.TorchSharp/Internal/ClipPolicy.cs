using System;

namespace ClipGen.Internal;

/// <summary>
/// The one non-finite gate every clipping path goes through (norm, per-tensor, value, adaptive, the clippers and
/// <see cref="GradientBuffer"/>): a finite total, or <see cref="NonFinitePolicy.Propagate"/>, continues;
/// <see cref="NonFinitePolicy.Throw"/> throws before any gradient is written; <see cref="NonFinitePolicy.SkipStep"/>
/// stops with <see cref="ClipResult.Skipped"/>.
/// </summary>
internal static class ClipPolicy
{
    /// <summary>Whether the call stops here; throws for <see cref="NonFinitePolicy.Throw"/>.</summary>
    /// <param name="total">The total norm read to the host.</param>
    /// <param name="policy">The caller's policy.</param>
    /// <param name="set">The gradients, named in the exception.</param>
    /// <param name="normType">The p of the norm, for the exception.</param>
    /// <param name="stopped">The result to return when the call stops.</param>
    internal static bool Stops(double total, NonFinitePolicy policy, GradSet set, double normType, out ClipResult stopped) =>
        Stops(total, policy, (set, normType), static (s, t) => NonFinite.Exception(s.set, t, s.normType), out stopped);

    /// <summary>The gate with an exception factory that runs only on the failure path.</summary>
    internal static bool Stops<TState>(double total, NonFinitePolicy policy, TState state,
        Func<TState, double, NonFiniteGradientException> error, out ClipResult stopped)
    {
        stopped = default;
        if (double.IsFinite(total) || policy == NonFinitePolicy.Propagate) return false;
        if (policy == NonFinitePolicy.Throw) throw error(state, total);
        stopped = ClipResult.Skipped(total);
        return true;
    }
}
