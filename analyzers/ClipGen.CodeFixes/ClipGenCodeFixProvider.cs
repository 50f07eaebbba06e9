using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>
/// Base of the ClipGen fixes: one <see cref="Apply"/> per diagnostic on a shared <see cref="SyntaxEditor"/>, used both
/// by the single fix and by Fix All (document/project/solution). Fix All applies every diagnostic of a document on
/// the original tree in one editor, skipping a diagnostic whose statements another one already moved (overlap).
/// </summary>
public abstract class ClipGenCodeFixProvider : CodeFixProvider
{
    /// <param name="fixes">The rule this provider fixes (one fix class per diagnostic ID).</param>
    protected ClipGenCodeFixProvider(DiagnosticDescriptor fixes) => FixableDiagnosticIds = ImmutableArray.Create(fixes.Id);

    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    public sealed override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
            await ApplyAsync(document, diagnostics, context.CodeActionEquivalenceKey ?? string.Empty, context.CancellationToken).ConfigureAwait(false));

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            foreach ((string title, string key) in Offers(root, model, diagnostic))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(title, ct => ApplyAsync(context.Document, ImmutableArray.Create(diagnostic), key, ct), key),
                    diagnostic);
            }
        }
    }

    /// <summary>The fixes offered for <paramref name="diagnostic"/>: (title, equivalence key); empty when none is safe.</summary>
    protected abstract IEnumerable<(string Title, string Key)> Offers(SyntaxNode root, SemanticModel model, Diagnostic diagnostic);

    /// <summary>Records the edit of one diagnostic; returns the statements it touched (null: skipped).</summary>
    protected abstract IEnumerable<SyntaxNode>? Apply(SyntaxEditor editor, SyntaxNode root, SemanticModel model, Document document, Diagnostic diagnostic, string key);

    private async Task<Document> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, string key, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        var touched = new HashSet<SyntaxNode>();
        foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (!Offers(root, model, diagnostic).Any(o => o.Key == key))
            {
                continue;
            }

            var probe = new SyntaxEditor(root, document.Project.Solution.Services);
            IEnumerable<SyntaxNode>? nodes = Apply(probe, root, model, document, diagnostic, key)?.ToList();
            if (nodes is null || nodes.Any(n => touched.Any(t => t.Span.IntersectsWith(n.Span) || n.Span.Contains(t.Span))))
            {
                continue;
            }

            Apply(editor, root, model, document, diagnostic, key);
            touched.UnionWith(nodes);
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }
}
