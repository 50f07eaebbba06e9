using System;
using System.Collections.Generic;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Writes what a <see cref="GradNormMonitor"/> records to a TorchSharp <see cref="SummaryWriter"/>, under the tags
/// of <see cref="GradNormTags"/>: four scalars per optimizer step, and every <c>histogramEvery</c> steps the
/// gradient-value histograms before and after clipping and the suggested <c>max_norm</c>.
/// </summary>
internal sealed class TensorBoardSink
{
    private readonly SummaryWriter _writer;
    private readonly int _histogramEvery;
    private readonly double _suggestPercentile;

    public TensorBoardSink(SummaryWriter writer, int histogramEvery, double suggestPercentile)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        if (histogramEvery < 1)
            throw new ArgumentOutOfRangeException(nameof(histogramEvery), histogramEvery, $"histogramEvery must be >= 1 (got {histogramEvery}).");
        if (double.IsNaN(suggestPercentile) || suggestPercentile < 0 || suggestPercentile > 100)
            throw new ArgumentOutOfRangeException(nameof(suggestPercentile), suggestPercentile,
                $"suggestPercentile must be in [0, 100] (got {suggestPercentile}).");
        _histogramEvery = histogramEvery;
        _suggestPercentile = suggestPercentile;
    }

    public int HistogramEvery => _histogramEvery;

    /// <summary>Whether the step with this 0-based index gets histograms and a suggestion (0, N, 2N, …).</summary>
    public bool IsHistogramStep(long step) => step % _histogramEvery == 0;

    public void WriteScalars(GradNormRecord record, double coefficient)
    {
        int step = StepOf(record.Step);
        _writer.add_scalar(GradNormTags.PreClip, (float)record.PreClipNorm, step);
        _writer.add_scalar(GradNormTags.PostClip, (float)record.PostClipNorm, step);
        _writer.add_scalar(GradNormTags.Coefficient, (float)coefficient, step);
        _writer.add_scalar(GradNormTags.Clipped, record.Clipped ? 1f : 0f, step);
    }

    public void WriteSuggestion(GradNormMonitor monitor, long recordStep)
    {
        double suggestion = monitor.Percentile(_suggestPercentile, lastN: 1000);
        // Nothing finite recorded yet: no point rather than a NaN point that would hide the curve's scale.
        if (double.IsFinite(suggestion))
            _writer.add_scalar(GradNormTags.SuggestedMaxNorm, (float)suggestion, StepOf(recordStep));
    }

    /// <summary>A histogram of the finite entries of <paramref name="values"/> (skipped when there is none: TensorBoard cannot bin NaN).</summary>
    public void WriteHistogram(string tag, Tensor values, long recordStep)
    {
        using var scope = NewDisposeScope();
        Tensor flat = values.to_type(ScalarType.Float64).cpu().reshape(-1);
        Tensor finite = flat[flat.isfinite()];
        if (finite.numel() > 0)
            _writer.add_histogram(tag, finite, StepOf(recordStep));
    }

    /// <summary>
    /// Every non-null gradient of <paramref name="parameters"/>, flattened into one float64 CPU tensor (a copy, outside
    /// any DisposeScope: the caller disposes it); null when no parameter has a gradient.
    /// </summary>
    public static Tensor? FlatGradients(IEnumerable<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        var grads = new List<Tensor>();
        foreach (Tensor p in parameters)
        {
            if (p.grad is Tensor g)
                grads.Add(g.detach().to_type(ScalarType.Float64).cpu().reshape(-1));
        }

        return grads.Count == 0 ? null : cat(grads.ToArray(), 0).DetachFromDisposeScope();
    }

    /// <summary>SummaryWriter takes an int step; a longer run keeps writing at the last representable one.</summary>
    private static int StepOf(long step) => (int)Math.Min(step, int.MaxValue);
}
