using System.Collections.Immutable;
using ClipGen.Fuzz.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Fuzz.Tests;

/// <summary>
/// The analyzers under concurrent execution: one large compilation (every corpus source, many copies in
/// their own namespaces) analyzed repeatedly with concurrentAnalysis: true gives exactly the diagnostics
/// of a sequential run, every time.
/// </summary>
public class ConcurrencyTests
{
    private const int Copies = 8;
    private const int Runs = 6;

    [Fact]
    public async Task Concurrent_analysis_of_a_large_compilation_gives_identical_diagnostics_every_time()
    {
        CSharpCompilation compilation = LargeCompilation();
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Id is "CS0101" or "CS0111")); // the copies do not collide

        string[] sequential = await AnalyzeAsync(compilation, concurrent: false);
        if (!RoslynComponents.Analyzers.IsEmpty)
        {
            Assert.NotEmpty(sequential); // the corpus holds known bugs: a run that finds nothing checks nothing
        }

        for (int run = 0; run < Runs; run++)
        {
            // A fresh compilation each time: analyzers see new symbols and cannot lean on a cache.
            string[] concurrent = await AnalyzeAsync(compilation.Clone(), concurrent: true);
            Assert.Equal(sequential, concurrent);
        }
    }

    private static async Task<string[]> AnalyzeAsync(Compilation compilation, bool concurrent)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
            concurrentAnalysis: concurrent, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = RoslynComponents.Analyzers.IsEmpty
            ? ImmutableArray<Diagnostic>.Empty
            : await compilation.WithAnalyzers(RoslynComponents.Analyzers, options).GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics
            .Select(d => $"{d.Location.SourceTree?.FilePath}:{d.Location.SourceSpan} {d.Id} {d.Severity} {d.GetMessage()} {string.Join(",", d.AdditionalLocations.Select(l => l.SourceSpan))} {string.Join(",", d.Properties.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value))}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static CSharpCompilation LargeCompilation()
    {
        var trees = new List<SyntaxTree>();
        foreach (CorpusEntry entry in Corpus.Load().Where(e => e.Name.StartsWith("Corpus/", StringComparison.Ordinal)))
        {
            for (int copy = 0; copy < Copies; copy++)
            {
                trees.Add(CSharpSyntaxTree.ParseText(InNamespace(entry.Text, "Copy" + copy), VariantRunner.Options, path: $"{entry.Name}.{copy}.cs"));
            }
        }

        return CSharpCompilation.Create("Large", trees, FuzzReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    // Moves the file into its own namespace so copies do not collide.
    private static string InNamespace(string text, string name)
    {
        CompilationUnitSyntax root = CSharpSyntaxTree.ParseText(text, VariantRunner.Options).GetCompilationUnitRoot();
        if (root.Members.OfType<FileScopedNamespaceDeclarationSyntax>().FirstOrDefault() is { } scoped)
        {
            return text.Insert(scoped.Name.Span.End, "." + name);
        }

        int at = root.Usings.Count > 0 ? root.Usings.Last().FullSpan.End : 0;
        return text.Insert(at, $"namespace {name};\n");
    }
}
