using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>
/// Norm clipping per workload and thread count. Category "vs-limit": ratios against one norm + one
/// multiply on a single flat tensor of the same total size. Category "vs-torchsharp": ratios against
/// TorchSharp's <c>nn.utils.clip_grad_norm_</c>.
/// </summary>
/// <remarks>
/// "Clip" cases use max_norm = 0, so coef = 0 on every call and every path multiplies on every call
/// (with a positive max_norm, repeated clipping converges to total ≈ max_norm and coef rounds to 1).
/// CPU kernel time does not depend on the values (no denormals arise). "NoClip" cases use max_norm = 1e9 (coef = 1).
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class ClipNormBenchmarks
{
    private const double Clip = 0.0;
    private const double NoClip = 1e9;

    private Parameter[] _torchSharp = [];
    private Parameter[] _buffered = [];
    private Parameter[] _plain = [];
    private Tensor _flat = null!;
    private GradientBuffer _buffer = null!;
    private Scalar _clipScalar = null!;

    [Params(ClipWorkload.Many500x1000, ClipWorkload.Many1000x4096, ClipWorkload.Few4x1M, ClipWorkload.Lstm, ClipWorkload.Transformer)]
    public ClipWorkload Workload { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts() => BenchThreads.Counts();

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        long[][] shapes = ClipWorkloads.Shapes(Workload);
        _torchSharp = ClipWorkloads.WithGrads(shapes, seed: 1);
        _buffered = ClipWorkloads.WithGrads(shapes, seed: 1);
        _plain = ClipWorkloads.WithGrads(shapes, seed: 1);
        _buffer = GradientBuffer.Attach(_buffered, optim.SGD(_buffered, 0.1));
        _flat = randn(ClipWorkloads.TotalElements(shapes));
        _clipScalar = Clip.ToScalar();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer.Dispose();
        _flat.Dispose();
        _clipScalar.Dispose();
        foreach (Parameter p in _torchSharp.Concat(_buffered).Concat(_plain))
        {
            p.Dispose();
        }
    }

    /// <summary>The limit: one norm and one multiply on one flat tensor (the total is not even read).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("vs-limit")]
    public void Limit()
    {
        using Tensor total = _flat.norm();
        using (no_grad())
        {
            _flat.mul_(_clipScalar);
        }
    }

    [Benchmark, BenchmarkCategory("vs-limit")]
    public double Buffer() => _buffer.ClipGradNorm(Clip);

    /// <summary>
    /// The buffer's per-call check that every grad is still its view (one identity probe and a shape check per
    /// parameter), alone: caches stay warm between calls.
    /// </summary>
    [Benchmark, BenchmarkCategory("vs-limit")]
    public bool BufferCheck() => _buffer.Verify();

    /// <summary>
    /// The limit's two kernels followed by the buffer's check, as in a clip (the data pass evicts the parameters'
    /// metadata): the floor of any flat buffer that verifies every grad on every call.
    /// </summary>
    [Benchmark, BenchmarkCategory("vs-limit")]
    public bool LimitThenCheck()
    {
        Limit();
        return _buffer.Verify();
    }

    [Benchmark, BenchmarkCategory("vs-limit")]
    public double BufferNoClip() => _buffer.ClipGradNorm(NoClip);

    [Benchmark(Baseline = true), BenchmarkCategory("vs-torchsharp")]
    public double TorchSharp() => nn.utils.clip_grad_norm_(_torchSharp, Clip);

    [Benchmark, BenchmarkCategory("vs-torchsharp")]
    public double TorchSharpNoClip() => nn.utils.clip_grad_norm_(_torchSharp, NoClip);

    /// <summary>ClipGen's plain path: no buffer attached to these parameters.</summary>
    [Benchmark, BenchmarkCategory("vs-torchsharp")]
    public double Plain() => GradClip.ClipGradNorm(_plain, Clip);

    [Benchmark, BenchmarkCategory("vs-torchsharp")]
    public double PlainNoClip() => GradClip.ClipGradNorm(_plain, NoClip);

    /// <summary>The buffer's host-sync-free clip (what void/Tensor train steps call): the total stays a tensor.</summary>
    [Benchmark, BenchmarkCategory("vs-limit")]
    public void BufferToTensor()
    {
        using Tensor total = _buffer.ClipGradNormToTensor(Clip);
    }

    /// <summary>The plain path's host-sync-free clip.</summary>
    [Benchmark, BenchmarkCategory("vs-torchsharp")]
    public void PlainToTensor()
    {
        using Tensor total = GradClip.ClipGradNormToTensor(_plain, Clip);
    }
}
