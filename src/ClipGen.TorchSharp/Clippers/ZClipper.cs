using System;
using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// ZClip (Kumar, Owen, Roy Chowdhury, Güra 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training"),
/// z-score mode with adaptive scaling. Warm-up: the first <c>WarmupSteps</c> finite norms are collected, then
/// <c>μ = mean</c>, <c>σ² = variance</c> (population). After warm-up, for the pre-clip total norm <c>g</c>:
/// <c>z = (g − μ) / (σ + eps)</c>; when <c>z &gt; ZThreshold</c> the gradients are clipped to
/// <c>g' = μ + (ZThreshold² / z) · σ</c> (<c>coef = min(g' / (g + 1e-6), 1)</c>), else <c>g' = g</c>; then
/// <c>μ ← α·μ + (1 − α)·g'</c> and <c>σ² ← α·σ² + (1 − α)·(g' − μ)²</c> (with the updated μ, as the reference code).
/// </summary>
/// <remarks>
/// Defaults follow the paper: <c>α = 0.97</c>, <c>ZThreshold = 2.5</c>, <c>WarmupSteps = 25</c>, <c>eps = 1e-6</c>.
/// During warm-up nothing is clipped unless <c>warmupMaxNorm</c> (or else <c>maxGradNorm</c>) is given: then fixed
/// clipping at that norm. <c>maxGradNorm</c> is the authors' <c>max_grad_norm</c>: an absolute cap on top of the
/// z-score clip, <c>threshold = min(g', maxGradNorm)</c>, so that a norm that grows steadily (never a z-score outlier,
/// since μ and σ follow it) is still bounded; as in the reference code the EMA keeps learning from <c>g'</c>, not from
/// the cap. The authors default it to 1.0; here it is off (null) unless given, so existing behaviour is unchanged.
/// Non-finite norms follow the non-finite policy and never update the statistics.
/// </remarks>
public sealed class ZClipper : IGradientClipper
{
    private readonly List<double> _warmup = new();

    /// <summary>Creates the clipper.</summary>
    /// <param name="alpha">EMA factor in (0, 1). Default 0.97.</param>
    /// <param name="zThreshold">z above which a norm is a spike; &gt; 0. Default 2.5.</param>
    /// <param name="warmupSteps">Finite norms collected before clipping starts; ≥ 1. Default 25.</param>
    /// <param name="eps">Added to σ in the z-score; &gt; 0. Default 1e-6.</param>
    /// <param name="warmupMaxNorm">Optional fixed max norm during warm-up (null: <paramref name="maxGradNorm"/>, or no clipping).</param>
    /// <param name="normType">p of the norm: any p &gt; 0, or ∞. Default 2.</param>
    /// <param name="nonFinite">What to do on a NaN/infinite norm. Default <see cref="NonFinitePolicy.SkipStep"/>.</param>
    /// <param name="maxGradNorm">
    /// Optional absolute cap applied at every step (the authors' <c>max_grad_norm</c>, their default 1.0); ≥ 0. Null: none.
    /// </param>
    public ZClipper(double alpha = 0.97, double zThreshold = 2.5, int warmupSteps = 25, double eps = 1e-6,
        double? warmupMaxNorm = null, double normType = 2.0, NonFinitePolicy nonFinite = NonFinitePolicy.SkipStep,
        double? maxGradNorm = null)
    {
        if (double.IsNaN(alpha) || alpha <= 0 || alpha >= 1)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha must be in (0, 1) (got {Check.Format(alpha)}).");
        Check.Positive(zThreshold, nameof(zThreshold));
        if (warmupSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warmupSteps must be >= 1 (got {warmupSteps}).");
        Check.Positive(eps, nameof(eps));
        if (warmupMaxNorm is double w) Check.MaxNorm(w, nameof(warmupMaxNorm));
        if (maxGradNorm is double cap) Check.MaxNorm(cap, nameof(maxGradNorm));
        Check.NormType(normType);
        Check.Policy(nonFinite);
        Alpha = alpha;
        ZThreshold = zThreshold;
        WarmupSteps = warmupSteps;
        Eps = eps;
        WarmupMaxNorm = warmupMaxNorm;
        MaxGradNorm = maxGradNorm;
        NormType = normType;
        NonFinite = nonFinite;
    }

    /// <summary>EMA factor α.</summary>
    public double Alpha { get; }

    /// <summary>The z-score threshold.</summary>
    public double ZThreshold { get; }

    /// <summary>Number of warm-up steps.</summary>
    public int WarmupSteps { get; }

    /// <summary>Added to σ in the z-score.</summary>
    public double Eps { get; }

    /// <summary>Optional fixed max norm during warm-up.</summary>
    public double? WarmupMaxNorm { get; }

    /// <summary>The absolute cap applied at every step (null: none).</summary>
    public double? MaxGradNorm { get; }

    /// <summary>The p of the norm.</summary>
    public double NormType { get; }

    /// <summary>The non-finite policy.</summary>
    public NonFinitePolicy NonFinite { get; }

    /// <summary>Whether warm-up is over (μ and σ are defined).</summary>
    public bool IsWarmedUp { get; private set; }

    /// <summary>The EMA mean μ of the (clipped) norm; NaN during warm-up.</summary>
    public double Mean { get; private set; } = double.NaN;

    /// <summary>The EMA variance σ² of the (clipped) norm; NaN during warm-up.</summary>
    public double Variance { get; private set; } = double.NaN;

    /// <summary>The threshold applied by the last call (NaN when it did not clip).</summary>
    public double LastThreshold { get; private set; } = double.NaN;

    /// <inheritdoc/>
    public ClipResult Clip(IEnumerable<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        Tensor total = GradNorm.TotalNorm(set, NormType);
        double g = total.item<double>();
        LastThreshold = double.NaN;
        if (!double.IsFinite(g)) return NormClip.ApplyWithTotal(set, total, g, 0.0, NormType, NonFinite);

        if (!IsWarmedUp)
        {
            _warmup.Add(g);
            if (_warmup.Count >= WarmupSteps) InitializeStatistics();
            if ((WarmupMaxNorm ?? MaxGradNorm) is double w)
            {
                LastThreshold = w;
                return NormClip.ApplyWithTotal(set, total, g, w, NormType, NonFinite);
            }

            return new ClipResult(g, 1.0, false, false, false);
        }

        double sigma = Math.Sqrt(Variance);
        double z = (g - Mean) / (sigma + Eps);
        // effective: the z-score clip g' (g when no spike), which the EMA learns from; threshold adds the cap.
        double effective = z > ZThreshold ? Mean + ZThreshold * ZThreshold / z * sigma : g;
        double threshold = z > ZThreshold ? effective : double.PositiveInfinity;
        if (MaxGradNorm is double cap && cap < threshold) threshold = cap;
        ClipResult result = new(g, 1.0, false, false, false);
        if (g > threshold)
        {
            LastThreshold = threshold;
            result = NormClip.ApplyWithTotal(set, total, g, threshold, NormType, NonFinite);
        }

        Mean = Alpha * Mean + (1 - Alpha) * effective;
        Variance = Alpha * Variance + (1 - Alpha) * (effective - Mean) * (effective - Mean);
        return result;
    }

    private void InitializeStatistics()
    {
        double mean = 0;
        foreach (double x in _warmup) mean += x;
        mean /= _warmup.Count;
        double variance = 0;
        foreach (double x in _warmup) variance += (x - mean) * (x - mean);
        Mean = mean;
        Variance = variance / _warmup.Count;
        IsWarmedUp = true;
        _warmup.Clear();
    }
}
