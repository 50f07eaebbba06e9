using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using System.Reflection;
using ClipGen.Benchmarks.Clipping;
using ClipGen.Generated;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Steps;

/// <summary>
/// The generated [ClipGradNorm] train step against the same step written with TorchSharp's clip_grad_norm_
/// (category "step"), and the clip calls generated steps make against clip_grad_norm_ alone ("clip-call": the
/// TrainStepResult step's call, the void/Tensor step's host-sync-free call, and the FlatGradients = false call).
/// </summary>
/// <remarks>
/// The steps' other work (scope, a one-element loss and backward, a no-op optimizer) is the same constant in both,
/// so the step ratio is a lower bound of the clip's. "GeneratedClipCall" repeats exactly the call the generated
/// step contains (obj/.../generated/...ClipStepTrainer.GeneratedStep.g.cs); keep the two equal.
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class GeneratedStepBenchmarks
{
    private Parameter[][] _sets = [];
    private ParameterModule[] _models = [];
    private ClipStepTrainer _generated = null!;
    private ClipStepTrainer _torchSharp = null!;
    private Tensor _input = null!;
    private optim.Optimizer _callOptimizer = null!;
    private TrainStepGradients _callGradients = null!;

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
        _sets = Enumerable.Range(0, 5).Select(_ => ClipWorkloads.WithGrads(shapes, seed: 1)).ToArray();
        _models = _sets.Select(s => new ParameterModule(s)).ToArray();
        _generated = new ClipStepTrainer(_models[0], new ClipOnlyOptimizer(_sets[0]));
        _torchSharp = new ClipStepTrainer(_models[1], new ClipOnlyOptimizer(_sets[1]));
        _input = ones(1, requires_grad: true);
        _callOptimizer = new ClipOnlyOptimizer(_sets[3]);
        _callGradients = new TrainStepGradients();

        // First calls attach the flat buffers (as a generated step's first call does); the measured calls come after.
        _generated.GeneratedStep(_input);
        GeneratedClipCall();
        TrainStepGradients? stepGradients = typeof(ClipStepTrainer).GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .Where(f => f.FieldType == typeof(TrainStepGradients)).Select(f => (TrainStepGradients?)f.GetValue(_generated)).SingleOrDefault();
        if (stepGradients?.Buffer is null || _callGradients.Buffer is null)
        {
            throw new InvalidOperationException("the generated step did not attach its flat buffer: the benchmark would measure another path");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _callGradients.Buffer?.Dispose();
        _input.Dispose();
        foreach (ParameterModule model in _models)
        {
            model.Dispose();
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("step")]
    public double TorchSharpStep() => _torchSharp.TorchSharpStep(_input).PreClipNorm;

    [Benchmark, BenchmarkCategory("step")]
    public double GeneratedStep() => _generated.GeneratedStep(_input).PreClipNorm;

    [Benchmark(Baseline = true), BenchmarkCategory("clip-call")]
    public double TorchSharpClipCall() => nn.utils.clip_grad_norm_(_models[2].parameters(), 0.0);

    /// <summary>The call in the generated GeneratedStep (a TrainStepResult step): through its TrainStepGradients.</summary>
    [Benchmark, BenchmarkCategory("clip-call")]
    public double GeneratedClipCall() =>
        _callGradients.ClipGradNorm(_models[3].parameters(), _callOptimizer, 0.0, 2.0, NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>The call a void/Tensor/float/double generated step makes: the total stays a tensor (no host sync off the CPU).</summary>
    [Benchmark, BenchmarkCategory("clip-call")]
    public void GeneratedClipCallNoSync()
    {
        using Tensor total = _callGradients.ClipGradNormToTensor(_models[3].parameters(), _callOptimizer, 0.0, 2.0);
    }

    /// <summary>
    /// TorchSharp's <c>model.parameters()</c>, which every one of these calls (and the hand-written step) pays
    /// before any clipping: how much of a call is enumeration.
    /// </summary>
    [Benchmark, BenchmarkCategory("clip-call")]
    public int ModelParameters() => _models[3].parameters().Count();

    /// <summary>The call of a void step with <c>FlatGradients = false</c>: the plain path.</summary>
    [Benchmark, BenchmarkCategory("clip-call")]
    public void PlainClipCallNoSync()
    {
        using Tensor total = GradClip.ClipGradNormToTensor(_models[4].parameters(), 0.0, 2.0);
    }
}
