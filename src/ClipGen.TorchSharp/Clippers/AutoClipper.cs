using System;
using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// AutoClip (Seetharaman, Wichern, Pardo, Le Roux 2020, "AutoClip: Adaptive Gradient Clipping for Source
/// Separation Networks"): each step the pre-clip total norm <c>gₜ</c> is appended to the history and the gradients
/// are clipped to <c>threshold = percentile(history, Percentile)</c> with
/// <c>coef = min(threshold / (gₜ + 1e-6), 1)</c>. The first step is not clipped (its threshold is its own norm).
/// </summary>
/// <remarks>
/// Defaults: <c>Percentile = 10</c> (the paper's recommended value; it reports 10–90 working), whole history
/// (or the last <c>historySize</c> norms). Percentiles use linear interpolation between order statistics
/// (NumPy's default). Non-finite norms never enter the history; they follow the non-finite policy.
/// </remarks>
public sealed class AutoClipper : IGradientClipper
{
    private readonly List<double> _sorted = new();
    private readonly Queue<double>? _window;

    /// <summary>Creates the clipper.</summary>
    /// <param name="percentile">p in [0, 100]: the threshold is the p-th percentile of past norms. Default 10.</param>
    /// <param name="historySize">Keep only the last N norms (null: all). Must be ≥ 1.</param>
    /// <param name="normType">p of the norm: any p &gt; 0, or ∞. Default 2.</param>
    /// <param name="nonFinite">What to do on a NaN/infinite norm. Default <see cref="NonFinitePolicy.SkipStep"/>.</param>
    public AutoClipper(double percentile = 10, int? historySize = null, double normType = 2.0, NonFinitePolicy nonFinite = NonFinitePolicy.SkipStep)
    {
        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, $"percentile must be in [0, 100] (got {Check.Format(percentile)}).");
        if (historySize is < 1)
            throw new ArgumentOutOfRangeException(nameof(historySize), historySize, $"historySize must be >= 1 or null for the whole history (got {historySize}).");
        Check.NormType(normType);
        Check.Policy(nonFinite);
        Percentile = percentile;
        HistorySize = historySize;
        NormType = normType;
        NonFinite = nonFinite;
        if (historySize is not null) _window = new Queue<double>();
    }

    /// <summary>The percentile of the norm history used as threshold.</summary>
    public double Percentile { get; }

    /// <summary>How many past norms are kept (null: all).</summary>
    public int? HistorySize { get; }

    /// <summary>The p of the norm.</summary>
    public double NormType { get; }

    /// <summary>The non-finite policy.</summary>
    public NonFinitePolicy NonFinite { get; }

    /// <summary>Number of finite norms in the history.</summary>
    public int HistoryCount => _sorted.Count;

    /// <summary>The threshold used by the last call (NaN before the first finite norm).</summary>
    public double Threshold { get; private set; } = double.NaN;

    /// <inheritdoc/>
    public ClipResult Clip(IEnumerable<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        Tensor total = GradNorm.TotalNorm(set, NormType);
        double t = HostValue.Read(total);
        if (!double.IsFinite(t))
            // Propagate: any finite threshold gives PyTorch's NaN/zeroing, so 0 stands in for it.
            return NormClip.ApplyWithTotal(set, total, t, 0.0, NormType, NonFinite);

        bool first = _sorted.Count == 0;
        Add(t);
        Threshold = Percentiles.OfSorted(_sorted, Percentile);
        if (first) return ClipResult.Unscaled(t, clipped: false);
        return NormClip.ApplyWithTotal(set, total, t, Threshold, NormType, NonFinite);
    }

    private void Add(double norm)
    {
        Insert(norm);
        if (_window is null) return;
        _window.Enqueue(norm);
        if (_window.Count > HistorySize) _sorted.RemoveAt(_sorted.BinarySearch(_window.Dequeue()));
    }

    private void Insert(double norm)
    {
        int i = _sorted.BinarySearch(norm);
        _sorted.Insert(i >= 0 ? i : ~i, norm);
    }
}
