using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ClipGen.Internal;

namespace ClipGen;

/// <summary>
/// Records the gradient norm of every step (pre- and post-clip), and answers: how often is clipping active
/// (<see cref="ClipRate"/>), how large are the norms (<see cref="Percentile"/>), how many steps were not finite,
/// and what <c>maxNorm</c> to choose (<see cref="SuggestMaxNorm"/>). Exports CSV. Not thread-safe: one per training loop.
/// </summary>
public sealed class GradNormMonitor
{
    private readonly List<GradNormRecord> _records = new();

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
    public GradNormRecord Record(ClipResult result) =>
        Record(result.TotalNorm, result.SkipStep || result.Coefficient >= 1 ? result.TotalNorm : result.TotalNorm * result.Coefficient,
            result.Clipped, result.NonFinite, result.SkipStep);

    /// <summary>Records one step from its measured norms.</summary>
    /// <param name="preClipNorm">The total norm before clipping.</param>
    /// <param name="postClipNorm">The total norm after clipping.</param>
    /// <param name="clipped">Whether clipping changed the gradients.</param>
    /// <param name="nonFinite">Whether the pre-clip norm was NaN/∞ (computed from <paramref name="preClipNorm"/> when false).</param>
    /// <param name="skipStep">Whether the step was skipped.</param>
    /// <returns>The record added.</returns>
    public GradNormRecord Record(double preClipNorm, double postClipNorm, bool clipped, bool nonFinite = false, bool skipStep = false)
    {
        nonFinite |= !double.IsFinite(preClipNorm);
        var r = new GradNormRecord(_records.Count, preClipNorm, postClipNorm, clipped, nonFinite, skipStep);
        _records.Add(r);
        if (nonFinite) NonFiniteCount++;
        if (clipped) ClippedCount++;
        if (skipStep) SkippedCount++;
        return r;
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

    /// <summary>Forgets every record and counter.</summary>
    public void Clear()
    {
        _records.Clear();
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
