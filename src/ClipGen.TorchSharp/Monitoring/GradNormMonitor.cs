using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ClipGen.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Records the gradient norm of every step (pre- and post-clip), and answers: how often is clipping active
/// (<see cref="ClipRate"/>), how large are the norms (<see cref="Percentile"/>), how many steps were not finite,
/// and what <c>maxNorm</c> to choose (<see cref="SuggestMaxNorm"/>). Exports CSV, and writes TensorBoard summaries
/// when created with a <see cref="SummaryWriter"/>. Not thread-safe: one per training loop.
/// </summary>
public sealed class GradNormMonitor
{
    private readonly List<GradNormRecord> _records = new();
    private readonly TensorBoardSink? _tensorBoard;
    private Tensor? _preClipSnapshot;

    /// <summary>A monitor that only records (no TensorBoard output).</summary>
    public GradNormMonitor()
    {
    }

    /// <summary>
    /// A monitor that also writes every recorded step to TensorBoard (tags in <see cref="GradNormTags"/>): the pre- and
    /// post-clip total norm, the clip coefficient and the clip flag at each step; at steps 0, N, 2N, … (N =
    /// <paramref name="histogramEvery"/>) the <see cref="SuggestMaxNorm"/> value and, when the record call is given the
    /// parameters, histograms of the gradient entries before and after clipping. The TensorBoard step is
    /// <see cref="GradNormRecord.Step"/>, so record once per optimizer step.
    /// </summary>
    /// <param name="tensorBoard">TorchSharp's writer (<c>torch.utils.tensorboard.SummaryWriter(logDir)</c>); not disposed by the monitor.</param>
    /// <param name="histogramEvery">N: steps between histograms and suggestions; ≥ 1. Default 100.</param>
    /// <param name="suggestPercentile">The percentile of <see cref="SuggestMaxNorm"/> written as <c>grad_norm/suggested_max_norm</c>. Default 95.</param>
    public GradNormMonitor(SummaryWriter tensorBoard, int histogramEvery = 100, double suggestPercentile = 95)
    {
        _tensorBoard = new TensorBoardSink(tensorBoard, histogramEvery, suggestPercentile);
    }

    /// <summary>Whether this monitor writes TensorBoard summaries.</summary>
    public bool WritesTensorBoard => _tensorBoard is not null;

    /// <summary>
    /// Whether the next recorded step gets gradient histograms (TensorBoard monitors only): a loop whose clipping does not
    /// scale every gradient by one factor (value clipping, AGC, per-tensor clipping) calls
    /// <see cref="CaptureBeforeClip"/> on such steps so that the pre-clip histogram shows the real values.
    /// </summary>
    public bool HistogramDue => _tensorBoard is { } sink && sink.IsHistogramStep(_records.Count);

    /// <summary>Every recorded step, in order.</summary>
    public IReadOnlyList<GradNormRecord> Records => _records;

    /// <summary>Number of recorded steps.</summary>
    public int Count => _records.Count;

    /// <summary>Steps whose pre-clip norm was NaN or infinite.</summary>
    public int NonFiniteCount { get; private set; }

    /// <summary>Steps in which clipping changed the gradients.</summary>
    public int ClippedCount { get; private set; }

    /// <summary>Steps flagged to skip <c>optimizer.step()</c>.</summary>
    public int SkippedCount { get; private set; }

    /// <summary><c>ClippedCount / Count</c> (0 when nothing was recorded).</summary>
    public double ClipRate => _records.Count == 0 ? 0 : (double)ClippedCount / _records.Count;

    /// <summary>
    /// Records the result of a clipping call. The post-clip norm is <c>TotalNorm · Coefficient</c> (exact for norm
    /// clipping, whose scaling is uniform); when the step was skipped it is the pre-clip norm. For value/adaptive
    /// clipping pass the measured post-clip norm to <see cref="Record(double, double, bool, bool, bool)"/> instead.
    /// </summary>
    /// <param name="result">What the clipping call returned.</param>
    /// <returns>The record added.</returns>
    public GradNormRecord Record(ClipResult result) => Record(result, parameters: null);

    /// <summary>
    /// Records the result of a clipping call, as <see cref="Record(ClipResult)"/>; a TensorBoard monitor also writes, on
    /// histogram steps, the gradient entries of <paramref name="parameters"/> (read after clipping) as
    /// <c>grad_values/post_clip</c>, and as <c>grad_values/pre_clip</c> the values saved by <see cref="CaptureBeforeClip"/>,
    /// or else, when the clipping scaled every gradient by <see cref="ClipResult.Coefficient"/> (norm clipping), the
    /// post-clip values divided by it. Without either (a clipped value/AGC step not captured) no pre-clip histogram is written.
    /// For clipping that moved entries by different factors (value clipping, AGC: <see cref="ClipResult.Clipped"/> with
    /// coefficient 1) the post-clip norm is measured on <paramref name="parameters"/> (L2, as those calls' TotalNorm).
    /// </summary>
    /// <param name="result">What the clipping call returned.</param>
    /// <param name="parameters">The clipped parameters (null: no histograms).</param>
    /// <returns>The record added.</returns>
    public GradNormRecord Record(ClipResult result, IEnumerable<Tensor>? parameters)
    {
        bool scaled = !result.SkipStep && result.Coefficient < 1;
        double post = scaled ? result.TotalNorm * result.Coefficient : result.TotalNorm;
        double coefficient = scaled ? result.Coefficient : 1.0;
        // Value/adaptive clipping report Coefficient 1 with Clipped true: their entries moved by different factors.
        bool uniform = result.SkipStep || !result.Clipped || scaled;
        if (!uniform && parameters is not null)
        {
            post = GradClip.TotalGradNorm(parameters);
            coefficient = result.TotalNorm > 0 && double.IsFinite(result.TotalNorm) ? post / result.TotalNorm : 1.0;
        }

        return RecordCore(result.TotalNorm, post, result.Clipped, result.NonFinite, result.SkipStep, coefficient, parameters, uniform);
    }

    /// <summary>
    /// Records one call of a generated train step (<c>[ClipGradNorm]</c>, <c>[ClipGradValue]</c>, <c>[AdaptiveGradClip]</c>),
    /// called after it returns: the post-clip norm is measured on the gradients the step left (an optimizer step does
    /// not change them). Calls that only accumulated gradients record nothing and return null.
    /// </summary>
    /// <param name="result">What the train step returned.</param>
    /// <param name="parameters">The parameters the step clipped (e.g. <c>model.parameters()</c>).</param>
    /// <param name="uniformScaling">
    /// True for <c>[ClipGradNorm]</c> steps (every gradient scaled by one coefficient, so the pre-clip histogram is the
    /// post-clip values divided by it); false for value/adaptive clipping, whose clipped steps then get no pre-clip histogram.
    /// </param>
    /// <param name="normType">The p of the step's norm (the attribute's <c>NormType</c>). Default 2.</param>
    /// <returns>The record added, or null for an accumulation-only call.</returns>
    public GradNormRecord? Record(TrainStepResult result, IEnumerable<Tensor> parameters, bool uniformScaling = true, double normType = 2.0)
    {
        if (parameters is null) throw new ArgumentNullException(nameof(parameters));
        if (result.Accumulating) return null;
        double pre = result.PreClipNorm;
        double post = result.StepSkipped || !result.Clipped ? pre : GradClip.TotalGradNorm(parameters, normType);
        double coefficient = result.Clipped && !result.StepSkipped && pre > 0 && double.IsFinite(pre) ? post / pre : 1.0;
        return RecordCore(pre, post, result.Clipped, nonFinite: false, result.StepSkipped, coefficient, parameters,
            uniformScaling || !result.Clipped || result.StepSkipped);
    }

    /// <summary>
    /// Saves a copy of the gradients of <paramref name="parameters"/> for the next record's pre-clip histogram, when one is
    /// due (<see cref="HistogramDue"/>); otherwise does nothing, so it can be called before every clipping call.
    /// </summary>
    /// <param name="parameters">The parameters about to be clipped.</param>
    public void CaptureBeforeClip(IEnumerable<Tensor> parameters)
    {
        if (parameters is null) throw new ArgumentNullException(nameof(parameters));
        if (!HistogramDue) return;
        _preClipSnapshot?.Dispose();
        _preClipSnapshot = TensorBoardSink.FlatGradients(parameters);
    }

    /// <summary>Records one step from its measured norms.</summary>
    /// <param name="preClipNorm">The total norm before clipping.</param>
    /// <param name="postClipNorm">The total norm after clipping.</param>
    /// <param name="clipped">Whether clipping changed the gradients.</param>
    /// <param name="nonFinite">Whether the pre-clip norm was NaN/∞ (computed from <paramref name="preClipNorm"/> when false).</param>
    /// <param name="skipStep">Whether the step was skipped.</param>
    /// <returns>The record added.</returns>
    public GradNormRecord Record(double preClipNorm, double postClipNorm, bool clipped, bool nonFinite = false, bool skipStep = false)
    {
        double coefficient = preClipNorm > 0 && double.IsFinite(preClipNorm) && double.IsFinite(postClipNorm) ? postClipNorm / preClipNorm : 1.0;
        return RecordCore(preClipNorm, postClipNorm, clipped, nonFinite, skipStep, coefficient, parameters: null, uniform: false);
    }

    private GradNormRecord RecordCore(double preClipNorm, double postClipNorm, bool clipped, bool nonFinite, bool skipStep,
        double coefficient, IEnumerable<Tensor>? parameters, bool uniform)
    {
        nonFinite |= !double.IsFinite(preClipNorm);
        var r = new GradNormRecord(_records.Count, preClipNorm, postClipNorm, clipped, nonFinite, skipStep);
        _records.Add(r);
        if (nonFinite) NonFiniteCount++;
        if (clipped) ClippedCount++;
        if (skipStep) SkippedCount++;
        if (_tensorBoard is { } sink)
        {
            try
            {
                Write(sink, r, coefficient, parameters, uniform);
            }
            finally
            {
                _preClipSnapshot?.Dispose();
                _preClipSnapshot = null;
            }
        }

        return r;
    }

    private void Write(TensorBoardSink sink, GradNormRecord r, double coefficient, IEnumerable<Tensor>? parameters, bool uniform)
    {
        sink.WriteScalars(r, coefficient);
        if (!sink.IsHistogramStep(r.Step)) return;
        sink.WriteSuggestion(this, r.Step);
        if (parameters is null) return;
        using Tensor? post = TensorBoardSink.FlatGradients(parameters);
        if (post is null) return;
        using var scope = NewDisposeScope();
        Tensor? pre = _preClipSnapshot ?? (uniform && coefficient > 0 ? post / coefficient : null);
        if (pre is not null) sink.WriteHistogram(GradNormTags.ValuesPreClip, pre, r.Step);
        sink.WriteHistogram(GradNormTags.ValuesPostClip, post, r.Step);
    }

    /// <summary>
    /// The p-th percentile (0–100, linear interpolation as NumPy) of the finite pre-clip norms, over the last
    /// <paramref name="lastN"/> steps (null: all). NaN when there is no finite norm.
    /// </summary>
    /// <param name="percentile">p in [0, 100].</param>
    /// <param name="lastN">Only the last N recorded steps (null: all); ≥ 1.</param>
    /// <param name="postClip">Use the post-clip norms instead of the pre-clip ones.</param>
    /// <returns>The percentile.</returns>
    public double Percentile(double percentile, int? lastN = null, bool postClip = false)
    {
        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, $"percentile must be in [0, 100] (got {Check.Format(percentile)}).");
        if (lastN is < 1)
            throw new ArgumentOutOfRangeException(nameof(lastN), lastN, $"lastN must be >= 1 or null for every step (got {lastN}).");
        return Percentiles.Of(Window(lastN).Select(r => postClip ? r.PostClipNorm : r.PreClipNorm).Where(double.IsFinite), percentile);
    }

    /// <summary>
    /// A <c>maxNorm</c> suggestion for users who do not know what to pick: the <paramref name="percentile"/>-th
    /// percentile of the finite pre-clip norms of the last <paramref name="lastN"/> steps, so that roughly
    /// <c>100 − percentile</c> % of steps would be clipped (record a few hundred unclipped steps first, e.g. with a
    /// very large maxNorm).
    /// </summary>
    /// <param name="percentile">p in [0, 100]. Default 95.</param>
    /// <param name="lastN">Only the last N steps (null: all). Default 1000.</param>
    /// <returns>The suggested maxNorm.</returns>
    /// <exception cref="InvalidOperationException">No finite norm was recorded in the window.</exception>
    public double SuggestMaxNorm(double percentile = 95, int? lastN = 1000)
    {
        double p = Percentile(percentile, lastN);
        if (double.IsNaN(p))
            throw new InvalidOperationException("No finite gradient norm recorded yet: record some steps before asking for a maxNorm suggestion.");
        return p;
    }

    /// <summary>Forgets every record and counter (TensorBoard steps then start again at 0: use a new writer).</summary>
    public void Clear()
    {
        _records.Clear();
        _preClipSnapshot?.Dispose();
        _preClipSnapshot = null;
        NonFiniteCount = ClippedCount = SkippedCount = 0;
    }

    /// <summary>
    /// Writes <c>step,pre_clip_norm,post_clip_norm,clipped,non_finite,skip_step</c> (header, then one line per step;
    /// invariant culture, round-trip doubles, NaN/Infinity spelled so).
    /// </summary>
    /// <param name="writer">The destination (not closed).</param>
    public void WriteCsv(TextWriter writer)
    {
        if (writer is null) throw new ArgumentNullException(nameof(writer));
        writer.WriteLine("step,pre_clip_norm,post_clip_norm,clipped,non_finite,skip_step");
        foreach (GradNormRecord r in _records)
        {
            writer.Write(r.Step.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(r.PreClipNorm.ToString("R", CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(r.PostClipNorm.ToString("R", CultureInfo.InvariantCulture));
            writer.Write(r.Clipped ? ",true" : ",false");
            writer.Write(r.NonFinite ? ",true" : ",false");
            writer.WriteLine(r.SkipStep ? ",true" : ",false");
        }
    }

    /// <summary>Writes the CSV of <see cref="WriteCsv(TextWriter)"/> to a file (created or overwritten).</summary>
    /// <param name="path">The file path.</param>
    public void WriteCsv(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("path must be a non-empty file path.", nameof(path));
        using var writer = new StreamWriter(path);
        WriteCsv(writer);
    }

    private IEnumerable<GradNormRecord> Window(int? lastN) =>
        lastN is int n && n < _records.Count ? _records.Skip(_records.Count - n) : _records;
}
