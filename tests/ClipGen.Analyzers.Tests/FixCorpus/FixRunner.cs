using System.Collections.Immutable;
using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.Analyzers.Tests.FixCorpus;

/// <summary>
/// Asks the ClipGen code fixes for actions the way an IDE does (a workspace document, the analyzer's own diagnostics,
/// <see cref="CodeFixProvider.RegisterCodeFixesAsync"/>) and applies them.
/// </summary>
internal static class FixRunner
{
    public static readonly ImmutableArray<CodeFixProvider> Providers = ImmutableArray.Create<CodeFixProvider>(
        new CG0001AddClippingCodeFix(), new CG0002MoveZeroGradCodeFix(), new CG0003InsertZeroGradCodeFix(),
        new CG0004MoveClippingCodeFix(), new CG0005MoveStepCodeFix());

    public sealed record Offer(Diagnostic Diagnostic, string Title, string AppliedText);

    public static Document Document(string source, bool withClipGenRuntime = true)
    {
        var workspace = new AdhocWorkspace();
        bool program = CSharpSyntaxTree.ParseText(source).GetRoot().ChildNodes().Any(n => n.IsKind(SyntaxKind.GlobalStatement));
        ImmutableArray<MetadataReference> references = TestReferences.Net80.Add(TestReferences.TorchSharp);
        Project project = workspace.CurrentSolution
            .AddProject("FixCorpus", "FixCorpus", LanguageNames.CSharp)
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest))
            .WithCompilationOptions(new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithMetadataReferences(withClipGenRuntime ? references.Add(TestReferences.ClipGenRuntime) : references);
        return project.AddDocument("Corpus.cs", SourceText.From(source));
    }

    /// <summary>The ClipGen diagnostics of the document (CG0001–CG0006).</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        ImmutableArray<Diagnostic> all = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new TrainingLoopAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        return all.Where(d => d.Id.StartsWith("CG", StringComparison.Ordinal) || d.Id == "AD0001")
            .OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>Every action the providers register for <paramref name="diagnostic"/>, applied to the document.</summary>
    public static async Task<List<Offer>> OffersAsync(Document document, Diagnostic diagnostic)
    {
        var offers = new List<Offer>();
        foreach (CodeFixProvider provider in Providers.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
        {
            var actions = new List<CodeAction>();
            await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
            foreach (CodeAction action in actions)
            {
                Solution changed = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
                Document fixedDocument = changed.GetDocument(document.Id)!;
                fixedDocument = await Microsoft.CodeAnalysis.Simplification.Simplifier.ReduceAsync(fixedDocument, Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation);
                fixedDocument = await Microsoft.CodeAnalysis.Formatting.Formatter.FormatAsync(fixedDocument, Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
                offers.Add(new Offer(diagnostic, action.Title, (await fixedDocument.GetTextAsync()).ToString()));
            }
        }

        return offers;
    }
}
