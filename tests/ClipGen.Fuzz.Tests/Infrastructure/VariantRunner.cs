using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.Fuzz.Tests.Infrastructure;

/// <summary>
/// Runs every generator, analyzer and code fix on one source, the way the IDE does, and returns every
/// crash: an exception from a component, AD0001, a generator failure (CS8784/CS8785 or an exception in
/// the run result), a fix that throws while being registered or computed, or a hang.
/// One immutable base solution per output kind is forked per variant, so its compilation (and the
/// resolved references) is reused and only the variant's tree is replaced.
/// </summary>
public sealed class VariantRunner
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private readonly ImmutableArray<DiagnosticAnalyzer> analyzers;
    private readonly ImmutableArray<ISourceGenerator> generators;
    private readonly ImmutableArray<CodeFixProvider> fixes;
    private readonly Solution solution;
    private readonly DocumentId library;
    private readonly DocumentId program;

    public VariantRunner(ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<ISourceGenerator> generators, ImmutableArray<CodeFixProvider> fixes)
    {
        this.analyzers = analyzers;
        this.generators = generators;
        this.fixes = fixes;
        var workspace = new AdhocWorkspace();
        Solution s = workspace.CurrentSolution;
        (s, library) = AddProject(s, "FuzzLibrary", OutputKind.DynamicallyLinkedLibrary);
        (s, program) = AddProject(s, "FuzzProgram", OutputKind.ConsoleApplication);
        solution = s;
    }

    public static CSharpParseOptions Options => ParseOptions;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether code fixes are computed and their results re-analyzed.</summary>
    public bool RunFixes { get; init; } = true;

    /// <summary>How many fixed documents per variant are analyzed again (each costs a full analysis).</summary>
    public int ReanalyzedFixesPerVariant { get; init; } = 2;

    /// <summary>Compiles both base projects once so every fork starts from a finished compilation.</summary>
    public async Task WarmUpAsync()
    {
        await solution.GetProject(library.ProjectId)!.GetCompilationAsync();
        await solution.GetProject(program.ProjectId)!.GetCompilationAsync();
    }

    public async Task<IReadOnlyList<string>> RunAsync(string text)
    {
        var failures = new List<string>();
        using var timeout = new CancellationTokenSource(Timeout);
        CancellationToken ct = timeout.Token;
        try
        {
            bool isProgram = CSharpSyntaxTree.ParseText(text, ParseOptions).GetRoot().ChildNodes().Any(n => n.IsKind(SyntaxKind.GlobalStatement));
            DocumentId id = isProgram ? program : library;
            Document document = solution.WithDocumentText(id, SourceText.From(text)).GetDocument(id)!;
            ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(document, failures, "", ct);
            if (RunFixes)
            {
                await FixAsync(document, diagnostics, failures, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            failures.Add($"timed out after {Timeout.TotalSeconds} s (a hang in an analyzer, generator or fix)");
        }

        return failures;
    }

    private async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Document document, List<string> failures, string context, CancellationToken ct)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync(ct))!;
        if (!generators.IsEmpty)
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: ParseOptions);
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out compilation, out ImmutableArray<Diagnostic> generatorDiagnostics, ct);
            foreach (GeneratorRunResult result in driver.GetRunResult().Results.Where(r => r.Exception is not null))
            {
                failures.Add($"{context}generator {result.Generator.GetGeneratorType().Name} threw {result.Exception}");
            }

            foreach (Diagnostic d in generatorDiagnostics.Where(d => d.Id is "CS8784" or "CS8785"))
            {
                failures.Add($"{context}{d.Id}: {d.GetMessage()}");
            }
        }

        if (analyzers.IsEmpty)
        {
            return ImmutableArray<Diagnostic>.Empty;
        }

        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (e, analyzer, _) => exceptions.Enqueue($"{context}analyzer {analyzer.GetType().Name} threw {e}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(ct);
        failures.AddRange(exceptions);
        failures.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => $"{context}AD0001: {d.GetMessage()}"));
        return diagnostics;
    }

    private async Task FixAsync(Document document, ImmutableArray<Diagnostic> diagnostics, List<string> failures, CancellationToken ct)
    {
        SyntaxTree tree = (await document.GetSyntaxTreeAsync(ct))!;
        int reanalyzed = 0;
        foreach (Diagnostic diagnostic in diagnostics.Where(d => d.Location.SourceTree == tree))
        {
            foreach (CodeFixProvider fixer in fixes.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                string where = $"fix {fixer.GetType().Name} for {diagnostic.Id} at {diagnostic.Location.GetLineSpan().StartLinePosition}";
                var actions = new List<CodeAction>();
                try
                {
                    await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), ct));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Add($"{where}: RegisterCodeFixesAsync threw {e}");
                    continue;
                }

                foreach (CodeAction action in Flatten(actions))
                {
                    Document? changed;
                    try
                    {
                        changed = (await action.GetOperationsAsync(ct)).OfType<ApplyChangesOperation>()
                            .Select(o => o.ChangedSolution.GetDocument(document.Id)).LastOrDefault();
                        if (changed is not null)
                        {
                            await changed.GetTextAsync(ct);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        failures.Add($"{where}: '{action.Title}' threw {e}");
                        continue;
                    }

                    // The fixed code is code the user will keep typing on: it must not crash anything either.
                    if (changed is not null && reanalyzed++ < ReanalyzedFixesPerVariant)
                    {
                        await AnalyzeAsync(changed, failures, $"after '{action.Title}' ({where}): ", ct);
                    }
                }
            }
        }
    }

    private static IEnumerable<CodeAction> Flatten(IEnumerable<CodeAction> actions) =>
        actions.SelectMany(a => a.NestedActions.IsDefaultOrEmpty ? new[] { a } : Flatten(a.NestedActions));

    private static (Solution, DocumentId) AddProject(Solution solution, string name, OutputKind kind)
    {
        ProjectId projectId = ProjectId.CreateNewId(name);
        DocumentId documentId = DocumentId.CreateNewId(projectId, "Variant.cs");
        solution = solution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, name, name, LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true),
                parseOptions: ParseOptions,
                metadataReferences: FuzzReferences.All))
            .AddDocument(documentId, "Variant.cs", SourceText.From(string.Empty));
        return (solution, documentId);
    }
}
