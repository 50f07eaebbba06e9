using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ClipGen.Generated;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>
/// The clip a generated <c>[ClipGradNorm]</c> step runs (<see cref="TrainStepGradients"/>, the flat buffer it attaches
/// at its first step), as a ratio to TorchSharp's <c>nn.utils.clip_grad_norm_</c> on the same gradients, in one run.
/// "NoSync" is what <c>void</c>/<c>Tensor</c>/<c>float</c>/<c>double</c> steps call, "Result" what
/// <c>TrainStepResult</c>, <c>SkipStep</c>/<c>Throw</c> and <c>Monitor</c> steps call; "Plain" is
/// <c>FlatGradients = false</c>.
/// </summary>
/// <remarks>max_norm = 0 as in <see cref="ClipNormBenchmarks"/>: every path multiplies on every call.</remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class GeneratedStepClipBenchmarks
{
    private const double Clip = 0.0;

    private Parameter[] _torchSharp = [];
    private Parameter[] _generated = [];
    private Parameter[] _plain = [];
    private optim.Optimizer _optimizer = null!;
    private TrainStepGradients _gradients = null!;

    [Params(ClipWorkload.Many500x1000, ClipWorkload.Many1000x4096)]
    public ClipWorkload Workload { get; set; }

    [Params(1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        long[][] shapes = ClipWorkloads.Shapes(Workload);
        _torchSharp = ClipWorkloads.WithGrads(shapes, seed: 1);
        _generated = ClipWorkloads.WithGrads(shapes, seed: 1);
        _plain = ClipWorkloads.WithGrads(shapes, seed: 1);
        _optimizer = optim.SGD(_generated, 0.1);
        _gradients = new TrainStepGradients();
        // The generated step's first call attaches the buffer; measure the calls after it.
        using (NewDisposeScope())
        {
            _gradients.ClipGradNormToTensor(_generated, _optimizer, Clip, 2.0);
        }

        if (_gradients.Buffer is null)
        {
            throw new InvalidOperationException("the buffer refused the workload: the benchmark would measure the plain path");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gradients.Buffer?.Dispose();
        foreach (Parameter p in _torchSharp.Concat(_generated).Concat(_plain))
        {
            p.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public double TorchSharp() => nn.utils.clip_grad_norm_(_torchSharp, Clip);

    [Benchmark]
    public void GeneratedNoSync()
    {
        using Tensor total = _gradients.ClipGradNormToTensor(_generated, _optimizer, Clip, 2.0);
    }

    [Benchmark]
    public double GeneratedResult() => _gradients.ClipGradNorm(_generated, _optimizer, Clip, 2.0, NonFinitePolicy.Propagate).TotalNorm;

    [Benchmark]
    public void GeneratedPlainNoSync()
    {
        using Tensor total = GradClip.ClipGradNormToTensor(_plain, Clip, 2.0);
    }
}
