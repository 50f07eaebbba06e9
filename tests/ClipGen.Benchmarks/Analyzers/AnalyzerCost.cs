using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace ClipGen.Benchmarks.Analyzers;

/// <summary>
/// What the ClipGen analyzers and generator cost a build: the analyzers' execution time (Roslyn's own
/// telemetry) as a share of the compilation's time without them, the worst file, and the generator's
/// time for 1,000 <c>[ClipGradNorm]</c> methods.
/// </summary>
public static class AnalyzerCost
{
    private static readonly CSharpParseOptions s_parse = new(LanguageVersion.Latest);

    public static int Run(string[] args)
    {
        int fileCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000;
        Assembly assembly = Assembly.Load("ClipGen.Analyzers");
        ImmutableArray<DiagnosticAnalyzer> analyzers = Instantiate<DiagnosticAnalyzer>(assembly, typeof(DiagnosticAnalyzerAttribute));
        ImmutableArray<IIncrementalGenerator> generators = Instantiate<IIncrementalGenerator>(assembly, typeof(GeneratorAttribute));
        Console.WriteLine($"ClipGen.Analyzers: {analyzers.Length} analyzers ({string.Join(", ", analyzers.Select(a => a.GetType().Name))}), " +
                          $"{generators.Length} generators ({string.Join(", ", generators.Select(g => g.GetType().Name))})");

        // Warm Roslyn and the analyzers up (JIT) on a small project first.
        Measure(SyntheticProject.Files(100), analyzers, generators, print: false);
        IReadOnlyList<(string Path, string Text)> files = SyntheticProject.Files(fileCount);
        Measure(files, analyzers, generators, print: true);
        MeasureWhole(files.Where(f => !f.Text.Contains("TorchSharp", StringComparison.Ordinal)).ToList(), analyzers, "files without TorchSharp only");
        MeasureWhole(files.Where(f => f.Text.Contains("TorchSharp", StringComparison.Ordinal)).ToList(), analyzers, "files with TorchSharp only");
        MeasureGenerator(generators, methods: 1_000, runs: 3);
        return 0;
    }

    /// <summary><c>generator [runs]</c>: only the generator figure, best of <paramref name="args"/>[0] runs (for profiling).</summary>
    public static int RunGenerator(string[] args)
    {
        int runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        Assembly assembly = Assembly.Load("ClipGen.Analyzers");
        MeasureGenerator(Instantiate<IIncrementalGenerator>(assembly, typeof(GeneratorAttribute)), methods: 1_000, runs);
        return 0;
    }

    /// <summary><c>plain [files] [runs]</c>: only the "files without / with TorchSharp" figures, repeated (for A/B runs).</summary>
    public static int RunSplit(string[] args)
    {
        int fileCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000;
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        ImmutableArray<DiagnosticAnalyzer> analyzers = Instantiate<DiagnosticAnalyzer>(Assembly.Load("ClipGen.Analyzers"), typeof(DiagnosticAnalyzerAttribute));
        IReadOnlyList<(string Path, string Text)> files = SyntheticProject.Files(fileCount);
        MeasureWhole(SyntheticProject.Files(100), analyzers, "warm-up files");
        for (int run = 0; run < runs; run++)
        {
            MeasureWhole(files.Where(f => !f.Text.Contains("TorchSharp", StringComparison.Ordinal)).ToList(), analyzers, "files without TorchSharp only");
            MeasureWhole(files.Where(f => f.Text.Contains("TorchSharp", StringComparison.Ordinal)).ToList(), analyzers, "files with TorchSharp only");
        }

        return 0;
    }

    private static void Measure(IReadOnlyList<(string Path, string Text)> files, ImmutableArray<DiagnosticAnalyzer> analyzers,
                                ImmutableArray<IIncrementalGenerator> generators, bool print)
    {
        CSharpCompilation source = Create(files);
        Compilation full = generators.IsEmpty ? source : RunGenerators(source, generators).Compilation;

        // The compilation's own time, as csc spends it: one Emit (binds, reports, lowers, writes), no analyzers.
        var sw = Stopwatch.StartNew();
        int errors;
        using (var pe = new MemoryStream())
        {
            errors = full.Emit(pe).Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        }

        double compileMs = sw.Elapsed.TotalMilliseconds;
        if (analyzers.IsEmpty)
        {
            if (print)
            {
                Console.WriteLine($"{files.Count} files: compile {compileMs:0} ms ({errors} errors); no analyzers to measure.");
            }

            return;
        }

        // Analyzers on a fresh copy of the same compilation, one tree at a time, so each file's cost is
        // the telemetry delta of its own analysis.
        Compilation fresh = full.RemoveAllSyntaxTrees().AddSyntaxTrees(full.SyntaxTrees);
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
        var withAnalyzers = fresh.WithAnalyzers(analyzers, options);
        TimeSpan previous = TimeSpan.Zero;
        var perFile = new List<(string Path, double Ms)>();
        int diagnostics = 0;
        sw.Restart();
        foreach (SyntaxTree tree in fresh.SyntaxTrees)
        {
            SemanticModel model = fresh.GetSemanticModel(tree);
            AnalysisResult syntax = withAnalyzers.GetAnalysisResultAsync(tree, CancellationToken.None).GetAwaiter().GetResult();
            AnalysisResult semantic = withAnalyzers.GetAnalysisResultAsync(model, null, CancellationToken.None).GetAwaiter().GetResult();
            diagnostics += syntax.GetAllDiagnostics().Length + semantic.GetAllDiagnostics().Length;
            TimeSpan now = TotalExecutionTime(withAnalyzers, analyzers);
            perFile.Add((tree.FilePath, (now - previous).TotalMilliseconds));
            previous = now;
        }

        // Compilation-end actions, if any.
        withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        double wallMs = sw.Elapsed.TotalMilliseconds;
        TimeSpan total = TotalExecutionTime(withAnalyzers, analyzers);
        if (!print)
        {
            return;
        }

        // The telemetry is per analyzer, summed over every callback so far; report when a per-file delta went
        // negative (then per-file attribution is approximate and the plain-only run below is the figure to use).
        int negative = perFile.Count(f => f.Ms < 0);
        double negativeMs = perFile.Where(f => f.Ms < 0).Sum(f => f.Ms);
        var worst = perFile.OrderByDescending(f => f.Ms).Take(3).ToList();
        double plainMs = perFile.Where(f => IsPlain(files, f.Path)).Sum(f => f.Ms);
        int plainCount = perFile.Count(f => IsPlain(files, f.Path));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files.Count} files: compile (Emit, no analyzers) {compileMs:0} ms; ClipGen analyzers' execution time " +
            $"{total.TotalMilliseconds:0} ms = {100 * total.TotalMilliseconds / compileMs:0.0}% of it ({diagnostics} diagnostics; analysis wall time {wallMs:0} ms)."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  worst files: {string.Join(", ", worst.Select(w => $"{w.Path} {w.Ms:0.00} ms"))}; " +
            $"{plainCount} files without TorchSharp: {plainMs:0.0} ms in all ({1000 * plainMs / Math.Max(1, plainCount):0.0} µs each)."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  per-file deltas: {negative} negative ({negativeMs:0.0} ms in all); sum of deltas {perFile.Sum(f => f.Ms):0.0} ms."));
        foreach (DiagnosticAnalyzer analyzer in analyzers)
        {
            AnalyzerTelemetryInfo info = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {analyzer.GetType().Name}: {info.ExecutionTime.TotalMilliseconds:0.0} ms"));
        }
    }

    /// <summary>
    /// The analyzers' total telemetry over a whole compilation analyzed in one call (no per-file attribution):
    /// for a project of plain files it is the cost of files that never mention TorchSharp.
    /// </summary>
    private static void MeasureWhole(IReadOnlyList<(string Path, string Text)> files, ImmutableArray<DiagnosticAnalyzer> analyzers, string label)
    {
        if (analyzers.IsEmpty || files.Count == 0)
        {
            return;
        }

        CSharpCompilation compilation = Create(files);
        var sw = Stopwatch.StartNew();
        using (var pe = new MemoryStream())
        {
            compilation.Emit(pe);
        }

        double compileMs = sw.Elapsed.TotalMilliseconds;
        Compilation fresh = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees);
        var withAnalyzers = fresh.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
        int diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult().Length;
        double ms = TotalExecutionTime(withAnalyzers, analyzers).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files.Count} {label}, analyzed as one compilation: compile {compileMs:0} ms; ClipGen analyzers {ms:0.0} ms " +
            $"= {100 * ms / compileMs:0.00}% ({1000 * ms / files.Count:0.0} µs per file, {diagnostics} diagnostics)."));
    }

    private static void MeasureGenerator(ImmutableArray<IIncrementalGenerator> generators, int methods, int runs)
    {
        if (generators.IsEmpty)
        {
            Console.WriteLine("No generator to measure.");
            return;
        }

        CSharpCompilation warm = Create(SyntheticProject.AttributedFiles(50, perFile: 4));
        RunGenerators(warm, generators);
        RunGenerators(warm, [new AttributeOnlyGenerator()]);
        // Fresh compilations each time (a driver run on a compilation caches its binding), best of three: the
        // machine is shared. The baseline generator finds the same attribute and returns the method name, so
        // the difference is what ClipGen's parser and emitter add to Roslyn's own attribute lookup and binding.
        double ms = double.MaxValue, baselineMs = double.MaxValue, timedMs = double.MaxValue, baselineTimedMs = double.MaxValue;
        int generated = 0, trees = 0;
        for (int run = 0; run < runs; run++)
        {
            CSharpCompilation compilation = Create(SyntheticProject.AttributedFiles(methods, perFile: 4));
            trees = compilation.SyntaxTrees.Count();
            var sw = Stopwatch.StartNew();
            (Compilation _, GeneratorDriverRunResult result) = RunGenerators(compilation, generators);
            ms = Math.Min(ms, sw.Elapsed.TotalMilliseconds);
            timedMs = Math.Min(timedMs, s_lastGeneratorMs);
            generated = result.GeneratedTrees.Length;

            CSharpCompilation same = Create(SyntheticProject.AttributedFiles(methods, perFile: 4));
            sw.Restart();
            RunGenerators(same, [new AttributeOnlyGenerator()]);
            baselineMs = Math.Min(baselineMs, sw.Elapsed.TotalMilliseconds);
            baselineTimedMs = Math.Min(baselineTimedMs, s_lastGeneratorMs);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Generator: {methods} [ClipGradNorm] methods in {trees} files → {generated} generated files in {ms:0} ms " +
            $"(driver wall time, best of {runs}, includes the binding the generator's transforms ask for); a generator that only " +
            $"finds the same attribute: {baselineMs:0} ms; ClipGen's own share ≈ {ms - baselineMs:0} ms. Roslyn's generator timing " +
            $"(GetTimingInfo): ClipGen {timedMs:0} ms, attribute-only {baselineTimedMs:0} ms."));
    }

    private static (Compilation Compilation, GeneratorDriverRunResult Result) RunGenerators(Compilation compilation, ImmutableArray<IIncrementalGenerator> generators)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators.Select(GeneratorExtensions.AsSourceGenerator), parseOptions: s_parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        s_lastGeneratorMs = driver.GetTimingInfo().ElapsedTime.TotalMilliseconds;
        return (output, driver.GetRunResult());
    }

    /// <summary>Roslyn's own timing of the last driver run (<c>GeneratorDriver.GetTimingInfo</c>): the generators' execution.</summary>
    private static double s_lastGeneratorMs;

    private static TimeSpan TotalExecutionTime(CompilationWithAnalyzers withAnalyzers, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        TimeSpan sum = TimeSpan.Zero;
        foreach (DiagnosticAnalyzer a in analyzers)
        {
            sum += withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime;
        }

        return sum;
    }

    private static bool IsPlain(IReadOnlyList<(string Path, string Text)> files, string path) =>
        files.FirstOrDefault(f => f.Path == path).Text?.Contains("TorchSharp", StringComparison.Ordinal) == false;

    private static CSharpCompilation Create(IReadOnlyList<(string Path, string Text)> files) =>
        CSharpCompilation.Create(
            "Synthetic",
            files.Select(f => CSharpSyntaxTree.ParseText(f.Text, s_parse, f.Path)),
            Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>()
                .Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location))
                .Append(MetadataReference.CreateFromFile(typeof(GradientBuffer).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static ImmutableArray<T> Instantiate<T>(Assembly assembly, Type marker) where T : class =>
        assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(T).IsAssignableFrom(t) && t.GetCustomAttributes(marker, inherit: false).Length > 0)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    /// <summary>The least any attribute-driven generator does: find the attributed methods, emit nothing.</summary>
    private sealed class AttributeOnlyGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(
                context.SyntaxProvider.ForAttributeWithMetadataName(
                    "ClipGen.ClipGradNormAttribute",
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    static (ctx, _) => ctx.TargetSymbol.Name),
                static (_, _) => { });
    }
}
