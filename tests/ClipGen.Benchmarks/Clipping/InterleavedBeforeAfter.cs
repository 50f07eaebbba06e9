using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>
/// <c>before-after [rounds]</c>: the plain path before a redesign (<see cref="BeforeRuntime"/>) and after (this build)
/// clipping <b>the same parameters</b>, in alternating rounds, with TorchSharp's <c>clip_grad_norm_</c> as the
/// baseline of each round.
/// </summary>
/// <remarks>
/// Why beside <see cref="BeforeAfterBenchmarks"/>: BenchmarkDotNet gives every case its own setup, so before and after
/// clip different tensors; on the many-small-tensor workloads where those tensors land in memory moves a case by up to
/// ±50 % (the same code measured 1,106 and 1,644 µs in two classes of one run). Alternating on one parameter set
/// cancels that; BenchmarkDotNet's statistics do not apply here, so the output is medians of rounds, nothing more.
/// max_norm = 0 as in <see cref="ClipNormBenchmarks"/>: every path multiplies on every call.
/// </remarks>
public static class InterleavedBeforeAfter
{
    private const int CallsPerRound = 5;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        BeforeRuntime before = BeforeRuntime.Load();
        torch.set_num_threads(1);
        Console.WriteLine($"| workload | TorchSharp µs | plain before µs (× TorchSharp) | plain after µs (× TorchSharp) | after ÷ before time |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (ClipWorkload workload in Enum.GetValues<ClipWorkload>())
        {
            long[][] shapes = ClipWorkloads.Shapes(workload);
            Parameter[] torchSharp = ClipWorkloads.WithGrads(shapes, seed: 1);
            Parameter[] shared = ClipWorkloads.WithGrads(shapes, seed: 1);
            var cases = new (string Name, Action Clip)[]
            {
                ("TorchSharp", () => nn.utils.clip_grad_norm_(torchSharp, 0.0)),
                ("before", () => before.ClipGradNorm(shared, 0.0, 2.0, false)),
                ("after", () => GradClip.ClipGradNorm(shared, 0.0)),
            };
            double[] medians = Medians(cases, rounds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {workload} | {medians[0]:N0} | {medians[1]:N0} ({medians[0] / medians[1]:F2}×) | {medians[2]:N0} ({medians[0] / medians[2]:F2}×) | {medians[2] / medians[1]:F2} |"));
            foreach (Parameter p in torchSharp.Concat(shared)) p.Dispose();
        }

        return 0;
    }

    /// <summary>Median µs per call of each case, the cases alternating round by round after a warm-up.</summary>
    private static double[] Medians((string Name, Action Clip)[] cases, int rounds)
    {
        foreach (var c in cases)
        {
            for (int i = 0; i < 3 * CallsPerRound; i++) c.Clip();
        }

        var times = cases.Select(_ => new List<double>(rounds)).ToArray();
        var watch = new Stopwatch();
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < cases.Length; k++)
            {
                watch.Restart();
                for (int i = 0; i < CallsPerRound; i++) cases[k].Clip();
                times[k].Add(watch.Elapsed.TotalMicroseconds / CallsPerRound);
            }
        }

        return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    }
}
