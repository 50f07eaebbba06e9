using System.Globalization;
using System.Text;
using ClipGen.Docs.Tests.Snippets;
using ClipGen.Testing;
using Microsoft.CodeAnalysis;

namespace ClipGen.Docs.Tests;

/// <summary>
/// Every C# snippet of README.md, the package README, docs/*.md and docs/rules/*.md compiles against the real runtime,
/// TorchSharp, the generator and the analyzers (conventions: docs/snippets.md). A failure names the file, the
/// snippet's line, and each error with its Markdown line.
/// </summary>
public class DocSnippetTests
{
    /// <summary>
    /// The snippets that are deliberately not compiled (file, the reason after <c>// not compiled:</c>). Keep this short:
    /// a new entry needs a reason a reviewer accepts.
    /// </summary>
    internal static readonly (string File, string Reason)[] NotCompiled =
    [
        ("docs/analyzers.md", "before and after, side by side"),
        ("docs/generator.md", "generator output, checked by the snapshot tests"),
        ("docs/generator.md", "generator output (the CG1003 stub), checked by the snapshot tests"),
        ("docs/rules/CG1003.md", "two members of the reader's own trainer"),
    ];

    /// <summary>Errors a snippet that claims a CG100x diagnostic may also show: the compiler's own words for the same misuse.</summary>
    private static readonly HashSet<string> CompanionErrors = ["CS8795", "CS0751", "CS0501"];

    internal static IEnumerable<DocSnippet> AllSnippets()
    {
        var files = new List<string> { "README.md", "src/ClipGen.TorchSharp/PackageReadme.md" };
        files.AddRange(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md").Order(StringComparer.Ordinal).Select(Relative));
        files.AddRange(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs", "rules"), "*.md").Order(StringComparer.Ordinal).Select(Relative));
        return files.SelectMany(f => DocSnippet.Extract(f, File.ReadAllText(Path.Combine(RepositoryPaths.Root, f))));
    }

    [Fact]
    public void Every_csharp_snippet_of_the_docs_compiles_and_shows_the_diagnostics_it_claims()
    {
        var snippets = AllSnippets().Where(s => s.Kind != SnippetKind.NotCompiled).ToList();
        Assert.True(snippets.Count >= 20, $"only {snippets.Count} snippets found: is the repository root right ({RepositoryPaths.Root})?");
        var failures = new StringBuilder();
        foreach (DocSnippet snippet in snippets)
        {
            string problems = Problems(snippet, SnippetCompiler.Compile(snippet));
            if (problems.Length > 0)
                failures.Append(CultureInfo.InvariantCulture, $"\n{snippet} ({snippet.Kind} snippet):\n{problems}");
        }

        Assert.True(failures.Length == 0, "C# snippets in the docs that do not compile as docs/snippets.md says they should:" + failures);
    }

    [Fact]
    public void The_snippets_not_compiled_are_exactly_the_listed_ones()
    {
        var found = AllSnippets().Where(s => s.Kind == SnippetKind.NotCompiled)
            .Select(s => (s.File, Reason: s.Code.Split('\n')[0].Trim()[DocSnippet.NotCompiledMarker.Length..].Trim()))
            .Order().ToList();
        Assert.Equal(NotCompiled.Order().ToList(), found);
    }

    [Fact]
    public void The_checker_catches_an_error_a_missing_claim_and_a_false_claim()
    {
        // The package README's old Quick start: Module<,> without nn. (CS0246) — the bug this test was written for.
        var broken = new DocSnippet("x.md", 10, "using ClipGen;\nusing TorchSharp;\nusing static TorchSharp.torch;\n\npublic class T(Module<Tensor, Tensor> m);");
        string problems = Problems(broken, SnippetCompiler.Compile(broken));
        Assert.Contains("line 14: error CS0246", problems, StringComparison.Ordinal);

        var falseClaim = new DocSnippet("y.md", 3, "// inside a training method\nGradClip.ClipGradNorm(model.parameters(), 1.0);   // CG0006");
        Assert.Contains("claims CG0006 on line 4", Problems(falseClaim, SnippetCompiler.Compile(falseClaim)), StringComparison.Ordinal);

        var unclaimed = new DocSnippet("z.md", 3, "// inside a training method\ntorch.nn.utils.clip_grad_norm_(model.parameters(), -1.0);");
        Assert.Contains("CG0006", Problems(unclaimed, SnippetCompiler.Compile(unclaimed)), StringComparison.Ordinal);
    }

    /// <summary>
    /// What is wrong with a compiled snippet: a claimed diagnostic the build does not report; any error that is not a
    /// claimed ID (nor, beside a claimed CG100x, the compiler's own error for the same misuse); a CG warning nobody claimed.
    /// </summary>
    private static string Problems(DocSnippet snippet, IReadOnlyList<SnippetDiagnostic> diagnostics)
    {
        var claimed = snippet.Claims().Select(c => c.Id).ToHashSet();
        bool generatorMisuse = claimed.Any(id => id.StartsWith("CG1", StringComparison.Ordinal));
        var text = new StringBuilder();
        foreach (var (line, id) in snippet.Claims())
        {
            if (!diagnostics.Any(d => d.Id == id))
                text.Append(CultureInfo.InvariantCulture, $"  claims {id} on line {line}, but the build does not report it\n");
        }

        foreach (SnippetDiagnostic d in diagnostics)
        {
            bool companion = generatorMisuse && CompanionErrors.Contains(d.Id);
            bool unclaimedRule = d.Id.StartsWith("CG", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning;
            if (!claimed.Contains(d.Id) && !companion && (d.Severity == DiagnosticSeverity.Error || unclaimedRule))
                text.Append(CultureInfo.InvariantCulture, $"  {d}\n");
        }

        return text.ToString();
    }

    private static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');
}
