using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Soak;

/// <summary>
/// A training loop with clipping on every step; after a warm-up, the live TorchSharp tensor count must
/// not grow and the process RSS must grow by less than 5 MB.
/// </summary>
public static class MemorySoak
{
    private const long RssBudgetBytes = 5L * 1024 * 1024;

    public static int Run(string[] args)
    {
        int steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        int warmup = Math.Min(1_000, steps / 10);
        torch.set_num_threads(1);
        bool ok = true;
        foreach ((string name, Func<nn.Module, optim.Optimizer, Func<double>> clipper) in Clippers())
        {
            ok &= RunOne(name, clipper, steps, warmup);
        }

        return ok ? 0 : 1;
    }

    private static IEnumerable<(string, Func<nn.Module, optim.Optimizer, Func<double>>)> Clippers()
    {
        yield return ("GradientBuffer.ClipGradNorm", (model, optimizer) =>
        {
            GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);
            return () => buffer.ClipGradNorm(1.0);
        });
        yield return ("GradClip.ClipGradNorm (plain path)", (model, _) => () => GradClip.ClipGradNorm(model.parameters(), 1.0));
        yield return ("TorchSharp clip_grad_norm_", (model, _) => () => nn.utils.clip_grad_norm_(model.parameters(), 1.0));
    }

    private static bool RunOne(string name, Func<nn.Module, optim.Optimizer, Func<double>> makeClipper, int steps, int warmup)
    {
        random.manual_seed(1);
        var model = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10));
        var optimizer = optim.SGD(model.parameters(), 0.01);
        Func<double> clip = makeClipper(model, optimizer);
        using Tensor x = randn(64, 32);
        using Tensor y = randn(64, 10);

        long tensors0 = 0, rss0 = 0;
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
                (tensors0, rss0) = Measure();
            }
        }

        (long tensors1, long rss1) = Measure();
        long rssGrowth = rss1 - rss0;
        bool ok = tensors1 <= tensors0 && rssGrowth < RssBudgetBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {steps} steps (measured after step {warmup}): live tensors {tensors0} → {tensors1}, " +
            $"RSS {rss0 / 1048576.0:0.0} MB → {rss1 / 1048576.0:0.0} MB (growth {rssGrowth / 1048576.0:0.00} MB), last norm {lastNorm:0.###}: {(ok ? "OK" : "FAILED")}"));
        model.Dispose();
        return ok;
    }

    private static (long Tensors, long Rss) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return (Tensor.TotalCount, ReadRss());
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
