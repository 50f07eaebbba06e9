using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Soak;

/// <summary>
/// A training loop with clipping on every step; after a warm-up, the live TorchSharp tensor count must
/// not grow and the process RSS must grow by less than 5 MB.
/// </summary>
/// <remarks>
/// The process itself grows for the first several thousand training steps, whatever clips (tiered JIT and
/// dynamic PGO re-compiling, the GC growing its heap, libtorch's lazy initialisation): measured with 1,000
/// warm-up steps per clipper, whichever clipper ran first grew by 12-22 MB and the later ones by 0-3 MB
/// (buffer first: +14.9 MB; plain first: +12.7 MB and then the buffer +2.5 MB). So every clipper is first
/// run on a throw-away model (the process warm-up), and only then measured, each after its own warm-up.
/// </remarks>
public static class MemorySoak
{
    private const long RssBudgetBytes = 5L * 1024 * 1024;
    private const int ProcessWarmupSteps = 5_000;

    public static int Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        int warmup = Math.Min(1_000, steps / 10);
        torch.set_num_threads(1);
        foreach ((string _, Func<nn.Module, optim.Optimizer, (Func<double> Clip, IDisposable? Owner)> clipper) in Clippers())
        {
            Loop(clipper, ProcessWarmupSteps, warmup: 0, out _, out _);
        }

        bool ok = true;
        foreach ((string name, Func<nn.Module, optim.Optimizer, (Func<double> Clip, IDisposable? Owner)> clipper) in Clippers())
        {
            ok &= RunOne(name, clipper, steps, warmup);
        }

        return ok ? 0 : 1;
    }

    private static IEnumerable<(string, Func<nn.Module, optim.Optimizer, (Func<double> Clip, IDisposable? Owner)>)> Clippers()
    {
        yield return ("GradientBuffer.ClipGradNorm", (model, optimizer) =>
        {
            GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);
            return (() => buffer.ClipGradNorm(1.0), buffer);
        });
        yield return ("GradClip.ClipGradNorm (plain path)", (model, _) => (() => GradClip.ClipGradNorm(model.parameters(), 1.0), null));
        yield return ("TorchSharp clip_grad_norm_", (model, _) => (() => nn.utils.clip_grad_norm_(model.parameters(), 1.0), null));
    }

    private static bool RunOne(string name, Func<nn.Module, optim.Optimizer, (Func<double> Clip, IDisposable? Owner)> makeClipper, int steps, int warmup)
    {
        double lastNorm = Loop(makeClipper, steps, warmup, out (long Tensors, long Rss, long Gc) start, out (long Tensors, long Rss, long Gc) end);
        long rssGrowth = end.Rss - start.Rss;
        bool ok = end.Tensors <= start.Tensors && rssGrowth < RssBudgetBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {steps} steps (measured after step {warmup}): live tensors {start.Tensors} → {end.Tensors}, " +
            $"RSS {start.Rss / 1048576.0:0.0} MB → {end.Rss / 1048576.0:0.0} MB (growth {rssGrowth / 1048576.0:0.00} MB; " +
            $"GC committed {start.Gc / 1048576.0:0.0} → {end.Gc / 1048576.0:0.0} MB), last norm {lastNorm:0.###}: {(ok ? "OK" : "FAILED")}"));
        return ok;
    }

    private static double Loop(
        Func<nn.Module, optim.Optimizer, (Func<double> Clip, IDisposable? Owner)> makeClipper, int steps, int warmup,
        out (long Tensors, long Rss, long Gc) start, out (long Tensors, long Rss, long Gc) end)
    {
        random.manual_seed(1);
        var model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10));
        var optimizer = optim.SGD(model.parameters(), 0.01);
        (Func<double> clip, IDisposable? owner) = makeClipper(model, optimizer);
        using Tensor x = randn(64, 32);
        using Tensor y = randn(64, 10);

        start = default;
        double lastNorm = 0;
        for (int step = 1; step <= steps; step++)
        {
            using (NewDisposeScope())
            {
                optimizer.zero_grad();
                Tensor loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                lastNorm = clip();
                optimizer.step();
            }

            if (step == warmup)
            {
                start = Measure();
            }
        }

        end = Measure();
        owner?.Dispose();
        model.Dispose();
        return lastNorm;
    }

    private static (long Tensors, long Rss, long Gc) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return (Tensor.TotalCount, ReadRss(), GC.GetGCMemoryInfo().TotalCommittedBytes);
    }

    private static long ReadRss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }
}
