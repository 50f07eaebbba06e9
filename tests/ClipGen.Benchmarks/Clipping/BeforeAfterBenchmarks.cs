using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>
/// The plain and buffer paths before a redesign (<see cref="BeforeRuntime"/>, CLIPGEN_BEFORE_DLL) and after (this
/// build), with TorchSharp's clip_grad_norm_ as the baseline of both, in one run. Skipped unless CLIPGEN_BEFORE_DLL
/// is set (Program does not offer it otherwise). Each case clips its own tensors, whose placement in memory
/// moves the many-small-tensor cases by up to ±50 %: for the plain path's before/after ratio use
/// <see cref="InterleavedBeforeAfter"/> (<c>before-after</c>), which alternates both on the same tensors.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class BeforeAfterBenchmarks
{
    private const double Clip = 0.0;

    private Parameter[][] _sets = [];
    private BeforeRuntime _before = null!;
    private IDisposable _bufferBefore = null!;
    private Func<double, double, bool, double> _bufferBeforeClip = null!;
    private GradientBuffer _bufferAfter = null!;

    [Params(ClipWorkload.Many500x1000, ClipWorkload.Many1000x4096, ClipWorkload.Few4x1M, ClipWorkload.Lstm, ClipWorkload.Transformer)]
    public ClipWorkload Workload { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts() => BenchThreads.Counts();

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        _before = BeforeRuntime.Load();
        long[][] shapes = ClipWorkloads.Shapes(Workload);
        _sets = Enumerable.Range(0, 5).Select(_ => ClipWorkloads.WithGrads(shapes, seed: 1)).ToArray();
        _bufferBefore = _before.AttachBuffer(_sets[3], optim.SGD(_sets[3], 0.1));
        _bufferBeforeClip = _before.BufferClip.CreateDelegate<Func<double, double, bool, double>>(_bufferBefore);
        _bufferAfter = GradientBuffer.Attach(_sets[4], optim.SGD(_sets[4], 0.1));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bufferBefore.Dispose();
        _bufferAfter.Dispose();
        foreach (Parameter p in _sets.SelectMany(s => s))
        {
            p.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public double TorchSharp() => nn.utils.clip_grad_norm_(_sets[0], Clip);

    [Benchmark]
    public double PlainBefore() => _before.ClipGradNorm(_sets[1], Clip, 2.0, false);

    [Benchmark]
    public double PlainAfter() => GradClip.ClipGradNorm(_sets[2], Clip);

    [Benchmark]
    public double BufferBefore() => _bufferBeforeClip(Clip, 2.0, false);

    [Benchmark]
    public double BufferAfter() => _bufferAfter.ClipGradNorm(Clip);
}
