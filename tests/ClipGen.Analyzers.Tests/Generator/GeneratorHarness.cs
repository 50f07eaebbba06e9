using System.Collections.Immutable;
using ClipGen.Analyzers.Generator;
using ClipGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Analyzers.Tests.Generator;

/// <summary>Runs <see cref="TrainStepGenerator"/> (and the usage analyzer) on snippets with a plain driver, offline.</summary>
internal static class GeneratorHarness
{
    /// <summary>
    /// The runtime contract's <c>GradClip</c> signatures, compiled into the snippet only while the runtime
    /// assembly does not have the type yet (the runtime is written in parallel); never used once it does.
    /// </summary>
    private const string GradClipStub = """
        namespace ClipGen
        {
            public static class GradClip
            {
                public static ClipResult ClipGradNorm(global::System.Collections.Generic.IEnumerable<global::TorchSharp.torch.Tensor> parameters, double maxNorm, double normType, NonFinitePolicy nonFinite) => throw new global::System.NotImplementedException();
                public static ClipResult ClipGradValue(global::System.Collections.Generic.IEnumerable<global::TorchSharp.torch.Tensor> parameters, double clipValue, NonFinitePolicy nonFinite) => throw new global::System.NotImplementedException();
                public static ClipResult AdaptiveClipGrad(global::System.Collections.Generic.IEnumerable<global::TorchSharp.torch.Tensor> parameters, double clipFactor, double eps, NonFinitePolicy nonFinite) => throw new global::System.NotImplementedException();
            }
        }
        """;

    public static bool RuntimeHasGradClip { get; } = typeof(TrainStepResult).Assembly.GetType("ClipGen.GradClip") is not null;

    public static CSharpParseOptions ParseOptions(LanguageVersion version = LanguageVersion.Latest) => new(version);

    public static CSharpCompilation Compilation(
        IEnumerable<string> sources,
        LanguageVersion version = LanguageVersion.Latest,
        NullableContextOptions nullable = NullableContextOptions.Enable,
        bool allowUnsafe = false,
        bool checkOverflow = false)
    {
        CSharpParseOptions options = ParseOptions(version);
        IEnumerable<string> all = RuntimeHasGradClip ? sources : sources.Append(GradClipStub);
        return CSharpCompilation.Create(
            "GeneratorSnippet",
            all.Select((s, i) => CSharpSyntaxTree.ParseText(s, options, path: $"Source{i}.cs")),
            TestReferences.Net80.Add(TestReferences.TorchSharp).Add(TestReferences.ClipGenRuntime),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: nullable,
                allowUnsafe: allowUnsafe,
                checkOverflow: checkOverflow,
                deterministic: true));
    }

    public static GeneratorDriver Driver(CSharpParseOptions? options = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new TrainStepGenerator().AsSourceGenerator() },
            parseOptions: options ?? ParseOptions(),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the generated files and the compilation that includes them.</summary>
    public static GeneratorResult Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = Driver((CSharpParseOptions)compilation.SyntaxTrees.First().Options)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return new GeneratorResult(driver.GetRunResult(), output, generatorDiagnostics);
    }

    public static GeneratorResult Run(params string[] sources) => Run(Compilation(sources));

    /// <summary>
    /// The CG1xxx diagnostics of a build: the generator's own (CG1001/CG1002) and the usage analyzer's, run after the
    /// generator as in a real build.
    /// </summary>
    public static ImmutableArray<Diagnostic> Analyze(params string[] sources) => Analyze(Compilation(sources));

    /// <inheritdoc cref="Analyze(string[])"/>
    public static ImmutableArray<Diagnostic> Analyze(CSharpCompilation compilation)
    {
        GeneratorResult result = Run(compilation);
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new TrainStepUsageAnalyzer());
        return result.GeneratorDiagnostics.AddRange(result.Output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult());
    }

    /// <summary>Warnings and errors of the compilation (generator output included), as readable lines.</summary>
    public static List<string> Problems(Compilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
}

internal sealed record GeneratorResult(GeneratorDriverRunResult RunResult, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    public ImmutableArray<GeneratedSourceResult> Sources => RunResult.Results.Single().GeneratedSources;

    public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();
}
