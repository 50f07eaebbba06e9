using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Monitoring;

/// <summary>
/// GradNormMonitor → TorchSharp SummaryWriter: the event file is read back with <see cref="TfEventReader"/> (CRCs
/// checked) and its tags, steps and values compared with PyTorch's clip_grad_norm_ formula
/// (<c>coef = min(max/(total + 1e-6), 1)</c>, post = total·coef).
/// </summary>
public sealed class GradNormTensorBoardTests : IDisposable
{
    private readonly string _logDir = Path.Combine(Path.GetTempPath(), $"clipgen-tb-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_logDir)) Directory.Delete(_logDir, recursive: true);
    }

    [Fact]
    public void Reader_checks_the_CRC32C_of_every_record()
    {
        // CRC-32C check value of "123456789" (RFC 3720 / iSCSI): 0xE3069283.
        uint crc = TfEventReader.MaskedCrc32C("123456789"u8);
        uint unmasked = crc - 0xa282ead8u;
        Assert.Equal(0xE3069283u, (unmasked << 15) | (unmasked >> 17));

        var writer = torch.utils.tensorboard.SummaryWriter(_logDir);
        writer.add_scalar("x", 1.5f, 7);
        string file = EventFile();
        Assert.Contains(TfEventReader.Read(file).Values, v => v.Tag == "x" && v.Step == 7 && v.Scalar == 1.5f);
        byte[] bytes = File.ReadAllBytes(file);
        bytes[^6] ^= 0x40; // a bit of the last payload
        File.WriteAllBytes(file, bytes);
        Assert.Throws<InvalidDataException>(() => TfEventReader.Read(file));
    }

    [Fact]
    public void Every_step_writes_pre_and_post_norm_coefficient_and_clip_flag()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 100);
        var p = Grads.Param(new float[] { 3, 4, 5 });
        monitor.Record(GradClip.ClipGradNorm(new[] { p }, 5.0, 2.0, NonFinitePolicy.SkipStep));   // total 5√2: clipped
        p.grad = tensor(new float[] { 0.3f, 0.4f, 0f });
        monitor.Record(GradClip.ClipGradNorm(new[] { p }, 5.0, 2.0, NonFinitePolicy.SkipStep));   // total 0.5: not clipped
        monitor.Record(1.0, 0.25, clipped: true);                                                // measured by the caller

        var (version, values) = TfEventReader.Read(EventFile());
        Assert.Equal("brain.Event:2", version);
        double total = 5 * Math.Sqrt(2), coef = 5.0 / (total + 1e-6);
        AssertScalar(values, GradNormTags.PreClip, 0, total);
        AssertScalar(values, GradNormTags.PostClip, 0, total * coef);
        AssertScalar(values, GradNormTags.Coefficient, 0, coef);
        AssertScalar(values, GradNormTags.Clipped, 0, 1);
        AssertScalar(values, GradNormTags.PreClip, 1, 0.5);
        AssertScalar(values, GradNormTags.PostClip, 1, 0.5);
        AssertScalar(values, GradNormTags.Coefficient, 1, 1);
        AssertScalar(values, GradNormTags.Clipped, 1, 0);
        AssertScalar(values, GradNormTags.Coefficient, 2, 0.25);
        Assert.Equal(12, values.Count(v => v.Scalar is not null && v.Tag.StartsWith("grad_norm/", StringComparison.Ordinal) && v.Tag != GradNormTags.SuggestedMaxNorm));
        // Step 0 is a histogram step: the suggestion is the 95th percentile of the one norm recorded.
        AssertScalar(values, GradNormTags.SuggestedMaxNorm, 0, total);
        Assert.Single(values, v => v.Tag == GradNormTags.SuggestedMaxNorm);
    }

    [Fact]
    public void Every_Nth_step_writes_histograms_before_and_after_norm_clipping_and_the_suggestion()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 2, suggestPercentile: 50);
        var a = Grads.Param(new float[] { 3, -4 });
        var b = Grads.Param(new float[] { 12, 0, 0, 0 }, 2, 2);
        var parameters = new[] { a, b };
        for (int step = 0; step < 3; step++)
        {
            a.grad = tensor(new float[] { 3 * (step + 1), -4 * (step + 1) });
            b.grad = tensor(new float[] { 12 * (step + 1), 0, 0, 0 }).reshape(2, 2);
            Assert.Equal(step % 2 == 0, monitor.HistogramDue);
            monitor.Record(GradClip.ClipGradNorm(parameters, 1.0, 2.0, NonFinitePolicy.SkipStep), parameters);
        }

        var values = TfEventReader.Read(EventFile()).Values;
        var pre = values.Where(v => v.Tag == GradNormTags.ValuesPreClip).ToList();
        var post = values.Where(v => v.Tag == GradNormTags.ValuesPostClip).ToList();
        Assert.Equal(new long[] { 0, 2 }, pre.Select(v => v.Step));
        Assert.Equal(new long[] { 0, 2 }, post.Select(v => v.Step));

        // Step 2: grads (9, -12 | 36, 0, 0, 0), total √(81 + 144 + 1296) = 39; post = grads · 1/(39 + 1e-6).
        TfHistogram before = pre[1].Histogram!, after = post[1].Histogram!;
        double coef = 1.0 / (39 + 1e-6);
        Assert.Equal(6, before.Num);
        Assert.Equal(-12, before.Min, 4);
        Assert.Equal(36, before.Max, 4);
        Assert.Equal(33, before.Sum, 4);
        Assert.Equal(39.0 * 39.0, before.SumSquares, 2);
        Assert.Equal(6, after.Num);
        Assert.Equal(36 * coef, after.Max, 6);
        Assert.Equal(1.0, after.SumSquares, 5);
        Assert.Equal(6, after.Buckets.Sum());
        Assert.Equal(after.Buckets.Length, after.BucketLimits.Length);

        // Suggestions at steps 0 and 2: the median of the pre-clip norms so far (13; then 13, 26, 39 → 26).
        AssertScalar(values, GradNormTags.SuggestedMaxNorm, 0, 13);
        AssertScalar(values, GradNormTags.SuggestedMaxNorm, 2, 26);
        Assert.Equal(2, values.Count(v => v.Tag == GradNormTags.SuggestedMaxNorm));
    }

    [Fact]
    public void Value_clipping_needs_CaptureBeforeClip_for_its_pre_clip_histogram()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 1);
        var p = Grads.Param(new float[] { 5, -5, 0.5f });
        monitor.CaptureBeforeClip(new[] { p });
        monitor.Record(GradClip.ClipGradValue(new[] { p }, 1.0, NonFinitePolicy.SkipStep), new[] { p });
        p.grad = tensor(new float[] { 5, -5, 0.5f });
        monitor.Record(GradClip.ClipGradValue(new[] { p }, 1.0, NonFinitePolicy.SkipStep), new[] { p }); // not captured

        var values = TfEventReader.Read(EventFile()).Values;
        // The post-clip norm is measured: ‖(1, −1, 0.5)‖ = 1.5 after clamping ‖(5, −5, 0.5)‖ = √50.25.
        AssertScalar(values, GradNormTags.PreClip, 0, Math.Sqrt(50.25));
        AssertScalar(values, GradNormTags.PostClip, 0, 1.5);
        AssertScalar(values, GradNormTags.Coefficient, 0, 1.5 / Math.Sqrt(50.25));
        Assert.Equal(1.5, monitor.Records[1].PostClipNorm, 6);
        var pre = Assert.Single(values, v => v.Tag == GradNormTags.ValuesPreClip);
        Assert.Equal(0, pre.Step);
        Assert.Equal((-5.0, 5.0, 0.5), (pre.Histogram!.Min, pre.Histogram.Max, pre.Histogram.Sum));
        var post = values.Where(v => v.Tag == GradNormTags.ValuesPostClip).ToList();
        Assert.Equal(new long[] { 0, 1 }, post.Select(v => v.Step));
        Assert.All(post, v => Assert.Equal((-1.0, 1.0), (v.Histogram!.Min, v.Histogram.Max)));
    }

    [Fact]
    public void TrainStepResult_users_record_measured_post_clip_norms_and_skip_accumulation_calls()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 1);
        var p = Grads.Param(new float[] { 3, 4 });
        Assert.Null(monitor.Record(new TrainStepResult(0.5, double.NaN, false, false, Accumulating: true), new[] { p }));
        double pre = GradClip.ClipGradNorm(new[] { p }, 2.0);                   // what a [ClipGradNorm(2)] step does
        GradNormRecord? r = monitor.Record(new TrainStepResult(0.5, pre, Clipped: true, StepSkipped: false), new[] { p });

        Assert.Equal(0, r!.Value.Step);
        Assert.Equal(1, monitor.Count);
        var values = TfEventReader.Read(EventFile()).Values;
        AssertScalar(values, GradNormTags.PreClip, 0, 5);
        AssertScalar(values, GradNormTags.PostClip, 0, 2);
        AssertScalar(values, GradNormTags.Coefficient, 0, 2 / 5.0);
        var before = Assert.Single(values, v => v.Tag == GradNormTags.ValuesPreClip).Histogram!;
        Assert.Equal((3.0, 4.0), (before.Min, before.Max), new ToleranceComparer(1e-4));
    }

    [Fact]
    public void A_non_finite_step_writes_its_NaN_norm_and_histograms_of_the_finite_entries_only()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 1);
        var p = Grads.Param(new float[] { float.NaN, 2 });
        monitor.Record(GradClip.ClipGradNorm(new[] { p }, 1.0, 2.0, NonFinitePolicy.SkipStep), new[] { p });     // untouched
        monitor.Record(GradClip.ClipGradNorm(new[] { p }, 1.0, 2.0, NonFinitePolicy.Propagate), new[] { p });    // all NaN

        var values = TfEventReader.Read(EventFile()).Values;
        Assert.True(float.IsNaN(Assert.Single(values, v => v.Tag == GradNormTags.PreClip && v.Step == 0).Scalar!.Value));
        TfHistogram skipped = Assert.Single(values, v => v.Tag == GradNormTags.ValuesPostClip && v.Step == 0).Histogram!;
        Assert.Equal((1.0, 2.0, 2.0), (skipped.Num, skipped.Min, skipped.Max));
        Assert.DoesNotContain(values, v => v.Histogram is not null && v.Step == 1);
        Assert.Equal(2, monitor.NonFiniteCount);
    }

    [Fact]
    public void A_monitor_without_writer_writes_nothing_and_bad_options_are_named()
    {
        Assert.False(new GradNormMonitor().WritesTensorBoard);
        Assert.False(new GradNormMonitor().HistogramDue);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GradNormMonitor(torch.utils.tensorboard.SummaryWriter(_logDir), histogramEvery: 0));
        Assert.Equal("histogramEvery", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => new GradNormMonitor(null!));
    }

    private static void AssertScalar(List<TfValue> values, string tag, long step, double expected)
    {
        TfValue v = Assert.Single(values, v => v.Tag == tag && v.Step == step);
        Assert.Equal((float)expected, v.Scalar!.Value, 1e-5f * (float)Math.Max(1, Math.Abs(expected)));
    }

    private string EventFile() => Assert.Single(Directory.GetFiles(_logDir, "events.out.tfevents.*"));

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) =>
            Math.Abs(x.Item1 - y.Item1) <= tolerance && Math.Abs(x.Item2 - y.Item2) <= tolerance;

        public int GetHashCode((double, double) obj) => 0;
    }
}
