using ClipGen.Analyzers.Tests.FixCorpus;
using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace ClipGen.Analyzers.Tests.Fixes;

/// <summary>
/// <c>dotnet format analyzers</c> starts Fix All with no equivalence key (it has no action to start from): every
/// diagnostic must still get its first plan, as in the IDE.
/// </summary>
public class FixAllWithoutKeyTests
{
    [Fact]
    public async Task Fix_all_with_no_equivalence_key_applies_each_diagnostics_first_plan()
    {
        string source = Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                nn.functional.mse_loss(model.call(x), y).backward();
                optimizer.step();
            }
            for (int i = 0; i < steps; i++)
            {
                nn.functional.mse_loss(model.call(x), y).backward();
                if (i % 2 == 1) optimizer.step();
            }
            """);
        Document document = FixRunner.Document(source);
        var diagnostics = (await FixRunner.DiagnosticsAsync(document)).Where(d => d.Id == "CG0001").ToList();
        Assert.Equal(2, diagnostics.Count);
        var provider = new CG0001AddClippingCodeFix();
        var context = new FixAllContext(document, provider, FixAllScope.Document, codeActionEquivalenceKey: null!,
            provider.FixableDiagnosticIds, new Diagnostics(diagnostics), CancellationToken.None);

        CodeAction action = (await provider.GetFixAllProvider()!.GetFixAsync(context))!;
        Solution changed = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
        string text = (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();

        Assert.Equal(2, text.Split("nn.utils.clip_grad_norm_(model.parameters(), 1.0);").Length - 1);
        FixCheck.Outcome outcome = FixCheck.Check(source, text, "CG0001", fixedCount: 2);
        Assert.True(outcome.Correct, string.Join("\n", outcome.Problems) + "\n" + text);
    }

    private sealed class Diagnostics(IReadOnlyList<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());
    }
}
