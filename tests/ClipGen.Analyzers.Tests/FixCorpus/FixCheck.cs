using System.Collections.Immutable;
using System.Text.RegularExpressions;
using ClipGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Analyzers.Tests.FixCorpus;

/// <summary>
/// The re-analysis check every applied fix must pass: the fixed code compiles, the fixed diagnostic is one fewer,
/// no ClipGen diagnostic is new, no analyzer throws, and the <see cref="TrainingSemantics"/> facts gain nothing
/// (no clip on a partial accumulation, no optimizer steps sharing gradients that did not before).
/// </summary>
internal static class FixCheck
{
    private static readonly Regex Markup = new(@"\{\|(#[0-9]+|[A-Z]+[0-9]+):|\|\}", RegexOptions.Compiled);

    /// <summary>What a fix changed, measured on the code before and after it.</summary>
    public sealed record Outcome(IReadOnlyList<string> Problems, IReadOnlyList<string> Revealed)
    {
        public bool Correct => Problems.Count == 0;
    }

    /// <summary>Removes <c>{|ID:…|}</c> test markup.</summary>
    public static string WithoutMarkup(string source) => Markup.Replace(source, "");

    public static void AssertCorrect(string before, string after, string fixedId, bool withClipGenRuntime = true)
    {
        Outcome outcome = Check(WithoutMarkup(before), WithoutMarkup(after), fixedId, withClipGenRuntime);
        Assert.True(outcome.Correct, string.Join("\n", outcome.Problems) + "\n--- fixed code ---\n" + WithoutMarkup(after));
    }

    /// <param name="fixedId">The diagnostic the fix was applied to (one diagnostic: one fewer of it afterwards).</param>
    public static Outcome Check(string before, string after, string fixedId, bool withClipGenRuntime = true, int fixedCount = 1)
    {
        // The corpus checks many fixes of one file: analyze its original once.
        Analysis old = Before.GetOrAdd((before, withClipGenRuntime), key => Analyze(key.Source, key.WithRuntime));
        Analysis now = Analyze(after, withClipGenRuntime);
        var problems = new List<string>();
        var revealed = new List<string>();
        problems.AddRange(now.Errors.Where(e => !old.Errors.Contains(e)).Select(e => "does not compile: " + e));
        problems.AddRange(now.Crashes.Select(c => "analyzer crash: " + c));
        if (Count(now, fixedId) > Count(old, fixedId) - fixedCount)
        {
            problems.Add($"{fixedId} is not gone ({Count(old, fixedId)} before, {Count(now, fixedId)} after)");
        }

        foreach (string id in now.ClipGen.Select(d => d.Id).Distinct())
        {
            int added = Count(now, id) - Count(old, id) + (id == fixedId ? fixedCount : 0);
            if (added <= 0)
            {
                continue;
            }

            // Moving a misplaced step after backward() (CG0005), or a clearing out from between backward() and the
            // step (CG0002), makes the step consume fresh gradients, which nothing clips: the CG0001 that appears was
            // hidden by the bug the fix removed (no clip was removed; the training-call and clip facts below still
            // hold), so it is reported as revealed, not as introduced.
            if (fixedId is "CG0005" or "CG0002" && id == "CG0001")
            {
                revealed.Add($"CG0001 revealed ×{added}");
                continue;
            }

            problems.Add($"new {id} ×{added}: " + string.Join(" | ", now.ClipGen.Where(d => d.Id == id).Select(d => d.GetMessage())));
        }

        if (now.Semantics.Steps != old.Semantics.Steps || now.Semantics.Backwards != old.Semantics.Backwards)
        {
            problems.Add($"training calls changed: {old.Semantics.Steps} → {now.Semantics.Steps} steps, {old.Semantics.Backwards} → {now.Semantics.Backwards} backward()");
        }

        if (now.Semantics.PartialSumClips.Count > old.Semantics.PartialSumClips.Count)
        {
            problems.Add("a clip now runs on a partial accumulation (a backward() follows it before any step): "
                + string.Join(" | ", now.Semantics.PartialSumClips));
        }

        foreach (string pair in now.Semantics.SharedGradientSteps.Where(p => !old.Semantics.SharedGradientSteps.Contains(p)))
        {
            problems.Add("gradients now sum across optimizer steps (no clearing between them): " + pair);
        }

        return new Outcome(problems, revealed);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Source, bool WithRuntime), Analysis> Before = new();

    private static int Count(Analysis analysis, string id) => analysis.ClipGen.Count(d => d.Id == id);

    private sealed record Analysis(ImmutableArray<Diagnostic> ClipGen, List<string> Errors, List<string> Crashes, TrainingSemantics Semantics);

    private static Analysis Analyze(string source, bool withClipGenRuntime)
    {
        CSharpCompilation compilation = Compile(source, withClipGenRuntime);
        var crashes = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (e, analyzer, _) => crashes.Add($"{analyzer.GetType().Name} threw {e.Message}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new TrainingLoopAnalyzer()), options)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        crashes.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => $"{d.Id} {d.GetMessage()}").ToList();
        return new Analysis(diagnostics.Where(d => d.Id.StartsWith("CG", StringComparison.Ordinal)).ToImmutableArray(), errors, crashes, TrainingSemantics.Of(compilation));
    }

    public static CSharpCompilation Compile(string source, bool withClipGenRuntime = true)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        bool program = tree.GetRoot().ChildNodes().Any(n => n.IsKind(SyntaxKind.GlobalStatement));
        ImmutableArray<MetadataReference> references = TestReferences.Net80.Add(TestReferences.TorchSharp);
        return CSharpCompilation.Create(
            "FixCheck",
            new[] { tree },
            withClipGenRuntime ? references.Add(TestReferences.ClipGenRuntime) : references,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }
}
