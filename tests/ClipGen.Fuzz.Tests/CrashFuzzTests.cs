using System.Collections.Concurrent;
using System.Diagnostics;
using ClipGen.Fuzz.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClipGen.Fuzz.Tests;

/// <summary>
/// Every analyzer, generator and code fix on ≥ 10,000 seeded variants of every training-loop source in
/// the corpus, the samples and the tests: zero exceptions, zero AD0001, zero generator failures.
/// A failure prints the seed, source and variant index and saves the variant; replay it with
/// CLIPGEN_FUZZ_SEED=&lt;seed&gt; CLIPGEN_FUZZ_ONLY=&lt;source&gt;#&lt;index&gt;. CLIPGEN_FUZZ_VARIANTS changes the total.
/// </summary>
public class CrashFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 1337;
    private const int DefaultVariants = 10_000;
    private const int MinRandomPerSource = 30;
    private const double TruncationShare = 0.6;

    [Fact]
    public async Task Every_variant_runs_every_analyzer_generator_and_fix_without_a_crash()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CLIPGEN_FUZZ_SEED"), out int s) ? s : DefaultSeed;
        int budget = int.TryParse(Environment.GetEnvironmentVariable("CLIPGEN_FUZZ_VARIANTS"), out int v) ? v : DefaultVariants;
        string? only = Environment.GetEnvironmentVariable("CLIPGEN_FUZZ_ONLY");
        bool randomOnly = Environment.GetEnvironmentVariable("CLIPGEN_FUZZ_RANDOM_ONLY") == "1"; // explore other seeds: truncations do not depend on the seed

        IReadOnlyList<CorpusEntry> corpus = Corpus.Load();
        Assert.True(corpus.Count >= 8, $"the corpus has {corpus.Count} sources");
        var mutators = corpus.ToDictionary(e => e.Name, e => new Mutator(e.Text, VariantRunner.Options));
        // Truncation after every token of the checked-in corpus; the other sources (which grow with the
        // repository) evenly strided so truncations stay within TruncationShare of the budget.
        int coreTokens = corpus.Where(e => e.Core).Sum(e => mutators[e.Name].TruncationCount);
        int otherTokens = corpus.Where(e => !e.Core).Sum(e => mutators[e.Name].TruncationCount);
        int stride = Math.Max(1, (int)Math.Ceiling(otherTokens / Math.Max(1.0, (budget * TruncationShare) - coreTokens)));
        List<(CorpusEntry Entry, int Index)> truncated = randomOnly ? new() : corpus
            .SelectMany(e => Enumerable.Range(0, mutators[e.Name].TruncationCount).Where(i => e.Core || i % stride == 0).Select(i => (Entry: e, Index: i)))
            .ToList();
        int truncations = truncated.Count;
        int randomPerSource = Math.Max(MinRandomPerSource, (int)Math.Ceiling((budget - truncations) / (double)corpus.Count));
        var work = truncated
            .Concat(corpus.SelectMany(e => Enumerable.Range(mutators[e.Name].TruncationCount, randomPerSource).Select(i => (Entry: e, Index: i))))
            .Where(w => only is null || only == $"{w.Entry.Name}#{w.Index}")
            .ToList();

        var runner = new VariantRunner(RoslynComponents.Analyzers, RoslynComponents.Generators, RoslynComponents.CodeFixes);
        await runner.WarmUpAsync();
        var failures = new ConcurrentQueue<string>();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (item, _) =>
        {
            Variant variant = mutators[item.Entry.Name].Create(seed, item.Entry.Name, item.Index);
            IReadOnlyList<string> found = await runner.RunAsync(variant.Text);
            if (found.Count > 0 && failures.Count < 20)
            {
                failures.Enqueue(Report(seed, item.Entry.Name, item.Index, variant, found));
            }
        });

        output.WriteLine($"{RoslynComponents.Describe()}");
        output.WriteLine($"{work.Count} variants of {corpus.Count} sources ({truncations} truncations: every token of {corpus.Count(e => e.Core)} corpus files, every {stride}th of the rest; {randomPerSource} random per source), seed {seed}, {stopwatch.Elapsed.TotalSeconds:F0} s");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine + Environment.NewLine, failures));
        Assert.True(only is not null || work.Count >= budget, $"only {work.Count} variants");
    }

    private static string Report(int seed, string source, int index, Variant variant, IReadOnlyList<string> found)
    {
        string folder = Path.Combine(Path.GetTempPath(), "clipgen-fuzz-failures");
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, $"{source.Replace('/', '_').Replace('#', '_')}-{seed}-{index}.cs");
        File.WriteAllText(file, variant.Text);
        return $"seed {seed}, variant {source}#{index} ({variant.How}); saved to {file}; replay: CLIPGEN_FUZZ_SEED={seed} CLIPGEN_FUZZ_ONLY='{source}#{index}'"
            + Environment.NewLine + string.Join(Environment.NewLine, found.Take(3));
    }
}
