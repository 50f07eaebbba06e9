using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Fuzz.Tests.Infrastructure;

/// <summary>One training-loop source the fuzzer mutates; <paramref name="Core"/> for the checked-in corpus.</summary>
public sealed record CorpusEntry(string Name, string Text, bool Core = false)
{
    public override string ToString() => Name;
}

/// <summary>
/// The training-loop sources: the checked-in corpus (legit loops, GAN, accumulation, LBFGS closures,
/// [ClipGradNorm] partial classes, known bugs), every C# file with training code in the samples and in
/// the test projects (test classes excluded), and every TorchSharp snippet in the test projects' string
/// literals (markup such as {|CG0001:…|} removed).
/// </summary>
public static partial class Corpus
{
    public static IReadOnlyList<CorpusEntry> Load()
    {
        var entries = new List<CorpusEntry>();
        string corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");
        foreach (string file in Directory.GetFiles(corpus, "*.cs").Order(StringComparer.Ordinal))
        {
            entries.Add(new CorpusEntry("Corpus/" + Path.GetFileName(file), File.ReadAllText(file), Core: true));
        }

        string? root = typeof(Corpus).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (root is not null && Directory.Exists(root))
        {
            // Whole files that hold training code: samples and the non-test sources of test projects.
            entries.AddRange(SourceFiles(Path.Combine(root, "samples")).Concat(SourceFiles(Path.Combine(root, "tests")))
                .Where(f => !f.Contains("ClipGen.Fuzz.Tests", StringComparison.Ordinal))
                .Select(f => new CorpusEntry(Path.GetRelativePath(root, f), File.ReadAllText(f)))
                .Where(e => TrainingCode().IsMatch(e.Text) && !TestCode().IsMatch(e.Text)));
            foreach (string file in SourceFiles(Path.Combine(root, "tests")).Where(f => !f.Contains("ClipGen.Fuzz.Tests", StringComparison.Ordinal)))
            {
                int n = 0;
                foreach (string snippet in Snippets(File.ReadAllText(file)))
                {
                    entries.Add(new CorpusEntry($"{Path.GetRelativePath(root, file)}#{n++}", snippet));
                }
            }
        }

        return entries;
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        !Directory.Exists(folder)
            ? Enumerable.Empty<string>()
            : Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal);

    // String literals in test code that look like a TorchSharp or ClipGen training source.
    private static IEnumerable<string> Snippets(string testSource)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(testSource).GetRoot();
        foreach (LiteralExpressionSyntax literal in root.DescendantNodes().OfType<LiteralExpressionSyntax>())
        {
            if (!literal.IsKind(SyntaxKind.StringLiteralExpression) || literal.Token.ValueText is not { } value)
            {
                continue;
            }

            if ((value.Contains("TorchSharp", StringComparison.Ordinal) || value.Contains("ClipGen", StringComparison.Ordinal))
                && value.Contains('{') && value.Length > 80)
            {
                yield return Markup().Replace(value, string.Empty);
            }
        }
    }

    [GeneratedRegex(@"zero_grad|\.backward\(|ClipGrad|clip_grad|AdaptiveGradClip")]
    private static partial Regex TrainingCode();

    [GeneratedRegex(@"\[(Fact|Theory|Benchmark)\b")]
    private static partial Regex TestCode();

    // Microsoft.CodeAnalysis.Testing markup: {|ID:, {|#0:, |}, [|, |], $$.
    [GeneratedRegex(@"\{\|[^:|{}]*:|\|\}|\[\||\|\]|\$\$")]
    private static partial Regex Markup();
}
