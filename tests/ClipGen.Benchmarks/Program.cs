using BenchmarkDotNet.Running;
using ClipGen.Benchmarks;

// dotnet run -c Release --project tests/ClipGen.Benchmarks -- [--filter '*'] [--full]   BenchmarkDotNet
//   CLIPGEN_BENCH_THREADS=1,2 (default 1); CLIPGEN_BEFORE_DLL=<main's ClipGen.TorchSharp.dll> adds before/after
// dotnet run -c Release --project tests/ClipGen.Benchmarks -- soak [steps]              memory soak
// dotnet run -c Release --project tests/ClipGen.Benchmarks -- analyzers [files]         analyzer/generator cost
// dotnet run -c Release --project tests/ClipGen.Benchmarks -- generator [runs]          generator cost only
// dotnet run -c Release --project tests/ClipGen.Benchmarks -- split [files] [runs]      plain vs TorchSharp files only
// CLIPGEN_BEFORE_DLL=… dotnet run -c Release --project tests/ClipGen.Benchmarks -- before-after [rounds]
//                                                           plain path before/after on the same tensors, interleaved
string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "soak":
        return ClipGen.Benchmarks.Soak.MemorySoak.Run(args.Skip(1).ToArray());
    case "generator":
        return ClipGen.Benchmarks.Analyzers.AnalyzerCost.RunGenerator(args.Skip(1).ToArray());
    case "split":
        return ClipGen.Benchmarks.Analyzers.AnalyzerCost.RunSplit(args.Skip(1).ToArray());
    case "before-after":
        return ClipGen.Benchmarks.Clipping.InterleavedBeforeAfter.Run(args.Skip(1).ToArray());
    case "analyzers":
        return ClipGen.Benchmarks.Analyzers.AnalyzerCost.Run(args.Skip(1).ToArray());
    default:
        bool full = args.Contains("--full");
        string[] rest = args.Where(a => a != "--full").ToArray();
        if (rest.Length == 0)
        {
            rest = ["--filter", "*"];
        }

        // BeforeAfterBenchmarks needs the "before" build (CLIPGEN_BEFORE_DLL): without it, it is not offered, so
        // `--filter '*'` runs the others instead of failing its cases.
        Type[] types = typeof(BenchConfig).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)))
            .Where(t => t != typeof(ClipGen.Benchmarks.Clipping.BeforeAfterBenchmarks) || ClipGen.Benchmarks.Clipping.BeforeRuntime.ConfiguredPath is not null)
            .ToArray();
        var summaries = BenchmarkSwitcher.FromTypes(types).Run(rest, BenchConfig.Create(full));
        MedianRatios.Write(summaries);
        return 0;
}
